"""The three sync endpoints (API.md 8). They live in the composition root because
/sync/full runs a push (write side) and then a pull (read side) in one request."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from command.deps import CommandsDep
from command.sync import push as pushing
from query.sync.pull import Pulled, PullRequest, encode_cursor, pull
from vitaltrack.deps import CurrentUser, PoolDep
from vitaltrack.wire.base import WireModel

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])

MAX_OPERATIONS = 500


class OperationIn(WireModel):
    """One client operation; unknown types or entities are answered per operation."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    type: str
    entity: str
    entity_id: str | None = None
    local_id: str | None = None
    data: dict[str, Any] | None = None
    timestamp: datetime | None = None  # informational
    retry_count: int = 0  # informational
    base_version: int | None = Field(None, ge=1)


class PushIn(WireModel):
    operations: list[OperationIn] = Field(default_factory=list, max_length=MAX_OPERATIONS)
    mode: Literal["ops"] | None = None
    last_sync_at: datetime | None = None  # informational


class PullIn(WireModel):
    cursor: str | None = None
    limit: int = Field(500, ge=1, le=1000)
    last_sync_at: datetime | None = None
    include_deleted: bool = True


class FullIn(PushIn):
    cursor: str | None = None
    limit: int = Field(500, ge=1, le=1000)
    include_deleted: bool = True


class ResultOut(WireModel):
    operation_id: str
    id: str
    status: str
    success: bool
    entity_id: str | None
    server_id: str | None
    server_version: int | None
    error: dict[str, Any] | None


class PushOut(WireModel):
    results: list[ResultOut]
    success_count: int
    error_count: int
    server_time: datetime
    cursor: str


class PullOut(WireModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    categories: list[Any]
    items: list[Any]
    orders: list[Any]
    deleted_ids: list[str]
    server_time: datetime
    has_more: bool
    next_cursor: str
    events: list[dict[str, Any]]


class FullOut(PullOut):
    push_results: list[ResultOut]
    push_success_count: int
    push_error_count: int


def _results(outcomes: list[pushing.Outcome]) -> list[ResultOut]:
    return [
        ResultOut(
            operation_id=o.operation_id,
            id=o.operation_id,
            status=o.status,
            success=o.status in ("applied", "duplicate"),
            entity_id=str(o.entity_id) if o.entity_id else None,
            server_id=str(o.entity_id) if o.entity_id else None,
            server_version=o.server_version,
            error=o.error,
        )
        for o in outcomes
    ]


async def _push(body: PushIn, user: CurrentUser, commands: CommandsDep) -> pushing.Pushed:
    operations = tuple(
        pushing.Operation(
            op.id, op.type, op.entity, op.entity_id, op.local_id, op.data, op.base_version
        )
        for op in body.operations
    )
    cmd = pushing.Push(user.user_id, user.session_id, operations, legacy=body.mode is None)
    return await commands.run(pushing.push, cmd)


async def _pull(
    body: PullIn | FullIn, user: CurrentUser, pool: PoolDep, commands: CommandsDep
) -> tuple[Pulled, dict[str, Any]]:
    request = PullRequest(
        user.user_id,
        user.session_id,
        body.cursor,
        body.last_sync_at,
        body.limit,
        body.include_deleted,
    )
    pulled = await pull(pool, request)
    record = pushing.RecordPull(user.user_id, user.session_id, len(pulled.events), pulled.bootstrap)
    await run_in_threadpool(pushing.record_pull, commands.store, record)
    fields = {
        "categories": [c.model_dump(mode="json", by_alias=True) for c in pulled.categories],
        "items": [i.model_dump(mode="json", by_alias=True) for i in pulled.items],
        "orders": [o.model_dump(mode="json", by_alias=True) for o in pulled.orders],
        "deleted_ids": [str(i) for i in pulled.deleted_ids],
        "server_time": datetime.now(UTC),
        "has_more": pulled.has_more,
        "next_cursor": pulled.next_cursor,
        "events": pulled.events,
    }
    return pulled, fields


@router.post("/push", response_model=PushOut)
async def push(body: PushIn, user: CurrentUser, commands: CommandsDep) -> PushOut:
    pushed = await _push(body, user, commands)
    results = _results(pushed.outcomes)
    ok = sum(r.success for r in results)
    return PushOut(
        results=results,
        success_count=ok,
        error_count=len(results) - ok,
        server_time=datetime.now(UTC),
        cursor=encode_cursor(pushed.position),
    )


@router.post("/pull", response_model=PullOut)
async def pull_changes(
    body: PullIn, user: CurrentUser, pool: PoolDep, commands: CommandsDep
) -> PullOut:
    _, fields = await _pull(body, user, pool, commands)
    return PullOut(**fields)


@router.post("/full", response_model=FullOut)
async def full(body: FullIn, user: CurrentUser, pool: PoolDep, commands: CommandsDep) -> FullOut:
    pushed = await _push(body, user, commands)
    results = _results(pushed.outcomes)
    ok = sum(r.success for r in results)
    _, fields = await _pull(body, user, pool, commands)
    return FullOut(
        push_results=results, push_success_count=ok, push_error_count=len(results) - ok, **fields
    )

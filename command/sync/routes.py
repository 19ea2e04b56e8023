"""POST /sync/push and /sync/full (API.md 8.2, 8.4). A session's sync requests run one at a
time (an advisory lock), so each reads and writes what that device holds consistently.
An Idempotency-Key replays the first answer (operations are deduplicated one by one anyway,
so the answer is remembered once the push is complete)."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol
from uuid import UUID

import asyncpg
import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from command.deps import KeyedCommandsDep, plain
from command.sync import push as pushing
from command.sync.context import Operation
from infra.advisory import household_push_lock, session_sync_lock
from infra.deps import CurrentMember, PoolDep, services_of
from wire.cursors import Receipt, decode_cursor, encode_cursor
from wire.errors import AUTHENTICATED, KEYED, MEMBER, WITH_BODY, problems
from wire.render import to_json
from wire.sync import FullIn, FullOut, PushIn, PushOut, ResultOut

router = APIRouter(
    prefix="/api/v1/sync",
    tags=["sync"],
    responses=problems(*AUTHENTICATED, *MEMBER, *WITH_BODY, *KEYED, "cursor_expired"),
)

# The pull half of /sync/full, provided by the read side (the composition root wires it).
Puller = Callable[[asyncpg.Connection, UUID, UUID, FullIn], Awaitable[dict[str, Any]]]


class WithPuller(Protocol):
    """What the sync routes take from the app's services (vitaltrack/services.py)."""

    sync_puller: Puller


async def _puller(request: Request) -> Puller:
    services: WithPuller = services_of(request.app)
    return services.sync_puller


PullerDep = Annotated[Puller, Depends(_puller)]


def _results(pushed: pushing.Pushed, *, whole_state: bool) -> list[ResultOut]:
    return [
        ResultOut(
            operation_id=o.operation_id,
            id=o.operation_id,
            status=o.status,
            success=o.succeeded(whole_state=whole_state),
            entity_id=str(o.entity_id) if o.entity_id else None,
            server_id=str(o.entity_id) if o.entity_id else None,
            server_version=o.server_version,
            error=o.error,
        )
        for o in pushed.outcomes
    ]


async def _push(
    conn: asyncpg.Connection,
    body: PushIn | FullIn,
    user: CurrentMember,
    commands: KeyedCommandsDep,
) -> tuple[list[ResultOut], int]:
    """The push under the household's lock (`conn` holds the session's): its results and
    the log position its cursor names."""
    operations = tuple(
        Operation(
            id=op.id,
            type=op.type,
            entity=op.entity,
            entity_id=op.entity_id,
            local_id=op.local_id,
            data=op.data,
            base_version=op.base_version,
        )
        for op in body.operations
    )
    cursor = body.cursor if isinstance(body, FullIn) else None
    cmd = pushing.Push(
        owner_id=user.household_id,
        session_id=user.sync_session_id,
        writes=user.writes,
        operations=operations,
        whole_state=body.mode is None,
        receipt=Receipt(body.last_sync_at, decode_cursor(cursor) if cursor else None),
    )
    async with household_push_lock(conn, user.household_id):
        pushed = await commands.run(pushing.push, cmd)
    return _results(pushed, whole_state=cmd.whole_state), pushed.position


@router.post("/push", response_model=PushOut)
async def push(
    body: PushIn, user: CurrentMember, commands: KeyedCommandsDep, pool: PoolDep
) -> JSONResponse:
    async def produce() -> tuple[int, Any]:
        async with session_sync_lock(pool, user.sync_session_id) as conn:
            results, position = await _push(conn, body, user, commands)
        ok = sum(r.success for r in results)
        answer = PushOut(
            results=results,
            success_count=ok,
            error_count=len(results) - ok,
            server_time=datetime.now(UTC),
            cursor=encode_cursor(position),
        )
        return 200, plain(answer)

    return await commands.idempotent(user.user_id, produce)


@router.post("/full", response_model=FullOut)
async def full(
    body: FullIn, user: CurrentMember, commands: KeyedCommandsDep, pool: PoolDep, puller: PullerDep
) -> JSONResponse:

    async def produce() -> tuple[int, Any]:
        async with session_sync_lock(pool, user.sync_session_id) as conn:
            results, _ = await _push(conn, body, user, commands)
            pulled = await puller(conn, user.household_id, user.sync_session_id, body)
        pushed = [r.model_dump(mode="json", by_alias=True) for r in results]
        ok = sum(r["success"] for r in pushed)
        answer = {
            "pushResults": pushed,
            "pushSuccessCount": ok,
            "pushErrorCount": len(pushed) - ok,
            **pulled,
        }
        return 200, orjson.loads(to_json(answer))

    return await commands.idempotent(user.user_id, produce)

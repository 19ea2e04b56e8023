"""POST /sync/push and /sync/full (API.md 8.2, 8.4). A session's sync requests run one at a
time (an advisory lock), so each reads and writes what that device holds consistently.
An Idempotency-Key replays the first answer (operations are deduplicated one by one anyway,
so the answer is remembered once the push is complete)."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from command.deps import KeyedCommandsDep, plain
from command.sync import push as pushing
from command.sync.context import Operation
from command.sync.outcomes import Outcome
from infra.advisory import session_sync_lock
from infra.deps import CurrentUser, PoolDep
from wire.cursors import encode_cursor
from wire.errors import AUTHENTICATED, KEYED, WITH_BODY, problems
from wire.render import to_json
from wire.sync import FullIn, FullOut, PushIn, PushOut, ResultOut

router = APIRouter(
    prefix="/api/v1/sync",
    tags=["sync"],
    responses=problems(*AUTHENTICATED, *WITH_BODY, *KEYED, "cursor_expired"),
)

# The pull half of /sync/full, provided by the read side (the composition root wires it).
Puller = Callable[[asyncpg.Connection, UUID, UUID, FullIn], Awaitable[dict[str, Any]]]


def _results(outcomes: list[Outcome]) -> list[ResultOut]:
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


async def _push(body: PushIn, user: CurrentUser, commands: KeyedCommandsDep) -> pushing.Pushed:
    operations = tuple(
        Operation(op.id, op.type, op.entity, op.entity_id, op.local_id, op.data, op.base_version)
        for op in body.operations
    )
    cmd = pushing.Push(user.user_id, user.session_id, operations, legacy=body.mode is None)
    return await commands.run(pushing.push, cmd)


def _ok(model: PushOut | FullOut) -> tuple[int, Any]:
    return 200, plain(model)


@router.post("/push", response_model=PushOut)
async def push(
    body: PushIn, user: CurrentUser, commands: KeyedCommandsDep, pool: PoolDep
) -> JSONResponse:
    async def produce() -> tuple[int, Any]:
        async with session_sync_lock(pool, user.session_id):
            pushed = await _push(body, user, commands)
        results = _results(pushed.outcomes)
        ok = sum(r.success for r in results)
        return _ok(
            PushOut(
                results=results,
                success_count=ok,
                error_count=len(results) - ok,
                server_time=datetime.now(UTC),
                cursor=encode_cursor(pushed.position),
            )
        )

    return await commands.idempotent(user.user_id, produce)


@router.post("/full", response_model=FullOut)
async def full(
    body: FullIn, user: CurrentUser, commands: KeyedCommandsDep, pool: PoolDep, request: Request
) -> JSONResponse:
    puller: Puller = request.app.state.sync_puller

    async def produce() -> tuple[int, Any]:
        async with session_sync_lock(pool, user.session_id) as conn:
            pushed = await _push(body, user, commands)
            pulled = await puller(conn, user.user_id, user.session_id, body)
        results = [r.model_dump(mode="json", by_alias=True) for r in _results(pushed.outcomes)]
        ok = sum(r["success"] for r in results)
        answer = {
            "pushResults": results,
            "pushSuccessCount": ok,
            "pushErrorCount": len(results) - ok,
            **pulled,
        }
        return 200, orjson.loads(to_json(answer))

    return await commands.idempotent(user.user_id, produce)

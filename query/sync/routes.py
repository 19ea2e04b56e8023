"""POST /sync/pull (API.md 8.3), and the pull half of /sync/full."""

from typing import Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter

from infra.advisory import session_sync_lock
from infra.deps import CurrentMember, PoolDep
from query.responses import RawJSON, json_response
from query.sync.pull import Pulled, PullRequest, pull
from wire.errors import AUTHENTICATED, MEMBER, WITH_BODY, problems
from wire.sync import FullIn, PullIn, PullOut

router = APIRouter(
    prefix="/api/v1/sync",
    tags=["sync"],
    responses=problems(*AUTHENTICATED, *MEMBER, *WITH_BODY, "cursor_expired"),
)


async def pull_for(
    conn: asyncpg.Connection, owner_id: UUID, session_id: UUID, body: PullIn | FullIn
) -> dict[str, Any]:
    """The pull (in wire spelling) for a session whose sync lock `conn` holds."""
    request = PullRequest(
        owner_id, session_id, body.cursor, body.last_sync_at, body.limit, body.include_deleted
    )
    return _out(await pull(conn, request))


def _out(pulled: Pulled) -> dict[str, Any]:
    return {
        "categories": pulled.categories,
        "items": pulled.items,
        "orders": pulled.orders,
        "deletedIds": [str(i) for i in pulled.deleted_ids],
        "serverTime": pulled.server_time,
        "hasMore": pulled.has_more,
        "nextCursor": pulled.next_cursor,
        "events": pulled.events,
    }


@router.post("/pull", response_model=PullOut)
async def pull_changes(body: PullIn, user: CurrentMember, pool: PoolDep) -> RawJSON:
    async with session_sync_lock(pool, user.sync_session_id) as conn:
        return json_response(await pull_for(conn, user.household_id, user.sync_session_id, body))

"""Activity feed and item history, both served from the activity projection."""

import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from query.params import Window
from wire.activity import ActivityEntry, Actor, HistoryEntry


@dataclass(frozen=True)
class ActivityFilter:
    entity_type: str | None = None
    entity_id: UUID | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def activity(
    pool: asyncpg.Pool, owner_id: UUID, f: ActivityFilter, window: Window
) -> tuple[list[ActivityEntry], int]:
    clauses = ["owner_id = $1"]
    args: list[object] = [owner_id]
    for column, op, value in (
        ("entity_type", "=", f.entity_type),
        ("entity_id", "=", f.entity_id),
        ("action", "=", f.action),
        ("occurred_at", ">=", f.since),
        ("occurred_at", "<", f.until),
    ):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} {op} ${len(args)}")
    where = " AND ".join(clauses)
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        total = await conn.fetchval(f"SELECT count(*) FROM activity_log WHERE {where}", *args)
        rows = await conn.fetch(
            "SELECT id, action, entity_type, entity_id, item_name, order_number, details, "
            f"occurred_at FROM activity_log WHERE {where} ORDER BY occurred_at DESC, id DESC "
            f"LIMIT {window.limit} OFFSET {window.offset}",
            *args,
        )
    entries = [
        ActivityEntry(
            id=r["id"],
            action=r["action"],
            entity_type=r["entity_type"],
            entity_id=r["entity_id"],
            item_name=r["item_name"],
            item_id=r["entity_id"] if r["entity_type"] == "item" else None,
            order_id=r["order_number"],
            details=r["details"],
            timestamp=r["occurred_at"],
        )
        for r in rows
    ]
    return entries, total


async def item_history(
    pool: asyncpg.Pool, owner_id: UUID, item_id: UUID, window: Window
) -> tuple[list[HistoryEntry], int]:
    """Every event of the item, oldest first; still readable after the item is deleted."""
    where = "owner_id = $1 AND entity_id = $2 AND entity_type = 'item'"
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        total = await conn.fetchval(
            f"SELECT count(*) FROM activity_log WHERE {where}", owner_id, item_id
        )
        rows = await conn.fetch(
            f"SELECT id AS position, event_type, version, occurred_at, owner_id, via, change "
            f"FROM activity_log WHERE {where} ORDER BY id "
            f"LIMIT {window.limit} OFFSET {window.offset}",
            owner_id,
            item_id,
        )
    entries = [
        HistoryEntry(
            position=r["position"],
            type=r["event_type"],
            version=r["version"],
            occurred_at=r["occurred_at"],
            actor=Actor(user_id=r["owner_id"], via=r["via"]),
            change=json.loads(r["change"]) if r["change"] is not None else None,
        )
        for r in rows
    ]
    return entries, total

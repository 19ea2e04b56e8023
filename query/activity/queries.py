"""Activity feed and item history, both served from the activity projection."""

import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from query.params import Window
from wire.activity import ActivityEntry, Actor, HistoryEntry
from wire.households import FORMER_MEMBER, Person


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
            "SELECT a.id, a.action, a.entity_type, a.entity_id, a.item_name, a.order_number, "
            "a.details, a.occurred_at, a.actor_id, u.name AS actor_name "
            f"FROM (SELECT * FROM activity_log WHERE {where} ORDER BY occurred_at DESC, id DESC "
            f"LIMIT {window.limit} OFFSET {window.offset}) a "
            "LEFT JOIN users u ON u.id = a.actor_id ORDER BY a.occurred_at DESC, a.id DESC",
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
            actor=_person(r["actor_id"], r["actor_name"]),
        )
        for r in rows
    ]
    return entries, total


def _person(actor_id: UUID | None, name: str | None) -> Person | None:
    """Who caused an entry; an erased member's entries read "Former member"."""
    if actor_id is None:
        return None
    if name is None:
        return Person(user_id=None, name=FORMER_MEMBER)
    return Person(user_id=actor_id, name=name)


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
            "SELECT a.id AS position, a.event_type, a.version, a.occurred_at, a.via, a.change, "
            "coalesce(a.actor_id, a.owner_id) AS actor_id, u.name AS actor_name "
            f"FROM (SELECT * FROM activity_log WHERE {where} ORDER BY id "
            f"LIMIT {window.limit} OFFSET {window.offset}) a "
            "LEFT JOIN users u ON u.id = coalesce(a.actor_id, a.owner_id) ORDER BY a.id",
            owner_id,
            item_id,
        )
    entries = [
        HistoryEntry(
            position=r["position"],
            type=r["event_type"],
            version=r["version"],
            occurred_at=r["occurred_at"],
            actor=Actor(
                user_id=r["actor_id"] if r["actor_name"] is not None else None,
                name=r["actor_name"] or FORMER_MEMBER,
                via=r["via"],
            ),
            change=json.loads(r["change"]) if r["change"] is not None else None,
        )
        for r in rows
    ]
    return entries, total

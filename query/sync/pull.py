"""POST /sync/pull (API.md 8.3): a household's changes past a cursor, O(page).

Snapshot, feed page and head position are read in one REPEATABLE READ transaction, so a
device continues exactly from the position its data reflects: nothing skipped or doubled.
What was delivered is recorded for the caller's session in that same transaction (the
caller holds the session's sync lock, so pulls of one session never collide).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import orjson
from pydantic import BaseModel

from query.categories.queries import CATEGORY_ORDER
from query.items.queries import ITEM_ORDER
from query.orders.queries import COLUMNS as ORDER_COLUMNS
from query.orders.queries import with_lines
from query.sync.delivery import record_delivery, sweep
from wire.categories import CategoryOut
from wire.cursors import Receipt, cursor_expired, decode_cursor, encode_cursor
from wire.items import ItemOut
from wire.render import sql_array, sql_utc

SYNCED_PROJECTIONS = ["categories", "items", "orders", "feed"]
LAST_SYNC_MARGIN = timedelta(minutes=5)  # lastSyncAt is a client clock: look back a little


@dataclass(frozen=True)
class PullRequest:
    owner_id: UUID
    session_id: UUID
    cursor: str | None
    last_sync_at: datetime | None
    limit: int
    include_deleted: bool


@dataclass
class Pulled:
    """Resources in their wire shape (categories and items as JSON arrays PostgreSQL built,
    orders with their lines through the model)."""

    categories: orjson.Fragment = field(default_factory=lambda: orjson.Fragment("[]"))
    items: orjson.Fragment = field(default_factory=lambda: orjson.Fragment("[]"))
    orders: list[dict[str, Any]] = field(default_factory=list)
    deleted_ids: list[UUID] = field(default_factory=list)
    # (entity, id, version) of each resource or deletion a page delivered; a bootstrap's are
    # recorded from the tables it was read from
    delivered: list[tuple[str, UUID, int]] | None = None
    events: list[orjson.Fragment] = field(default_factory=list)
    has_more: bool = False
    next_cursor: str = ""
    bootstrap: bool = False
    # the answer's serverTime, kept for the session: sent back as lastSyncAt, it proves
    # that this answer arrived
    server_time: datetime = field(default_factory=lambda: datetime.now(UTC))


async def pull(conn: asyncpg.Connection, req: PullRequest) -> Pulled:
    async with conn.transaction(isolation="repeatable_read"):
        head = await conn.fetchval(
            "SELECT coalesce(min(position), 0) FROM projection_tracking "
            "WHERE name = ANY($1::text[])",
            SYNCED_PROJECTIONS,
        )
        after = None
        if req.cursor is None and req.last_sync_at is None:
            pulled = await _snapshot(conn, req.owner_id, head)
        else:
            after = await _start(conn, req, head)
            pulled = await _page(conn, req, after, head)
        await record_delivery(
            conn,
            req.owner_id,
            req.session_id,
            receipt=Receipt(req.last_sync_at, after if req.cursor is not None else None),
            bootstrap=pulled.bootstrap,
            next_position=decode_cursor(pulled.next_cursor),
            server_time=pulled.server_time,
            delivered=pulled.delivered,
        )
    await sweep(conn)
    return pulled


async def _start(conn: asyncpg.Connection, req: PullRequest, head: int) -> int:
    if req.cursor is not None:
        after = decode_cursor(req.cursor)
        if after > head:
            raise cursor_expired()
        return after
    assert req.last_sync_at is not None
    first = await conn.fetchval(
        "SELECT min(position) FROM owner_feed WHERE owner_id = $1 AND occurred_at >= $2",
        req.owner_id,
        req.last_sync_at - LAST_SYNC_MARGIN,
    )
    return first - 1 if first is not None else head


async def _snapshot(conn: asyncpg.Connection, owner_id: UUID, head: int) -> Pulled:
    categories, _ = await _resources(conn, "category", "owner_id = $1", owner_id)
    items, _ = await _resources(conn, "item", "owner_id = $1", owner_id)
    return Pulled(
        categories=categories,
        items=items,
        orders=await _orders(conn, "owner_id = $1", owner_id),
        next_cursor=encode_cursor(head),
        bootstrap=True,
    )


# A feed row as its wire event, built by PostgreSQL: `data` is stored as the resource's JSON.
EVENT = (
    "json_build_object('position', position, 'type', type, 'entity', entity, "
    "'entityId', entity_id, 'version', version, 'data', data, "
    f"'occurredAt', {sql_utc('occurred_at', '+00:00')})::text"
)


async def _page(conn: asyncpg.Connection, req: PullRequest, after: int, head: int) -> Pulled:
    rows = await conn.fetch(
        f"SELECT position, entity, entity_id, version, type, {EVENT} AS event FROM owner_feed "
        "WHERE owner_id = $1 AND position > $2 AND position <= $3 ORDER BY position LIMIT $4",
        req.owner_id,
        after,
        head,
        req.limit + 1,
    )
    has_more = len(rows) > req.limit
    rows = rows[: req.limit]
    touched: dict[str, set[UUID]] = {"category": set(), "item": set(), "order": set()}
    deleted: dict[UUID, tuple[str, int]] = {}
    for row in rows:
        touched[row["entity"]].add(row["entity_id"])
        if row["type"] == "deleted":
            deleted[row["entity_id"]] = (row["entity"], row["version"])
        else:
            deleted.pop(row["entity_id"], None)
    ids = "owner_id = $1 AND id = ANY($2::uuid[])"
    categories, category_versions = await _resources(
        conn, "category", ids, req.owner_id, list(touched["category"]), versions=True
    )
    items, item_versions = await _resources(
        conn, "item", ids, req.owner_id, list(touched["item"]), versions=True
    )
    orders = await _orders(conn, ids, req.owner_id, list(touched["order"]))
    delivered = [
        *(("category", i, v) for i, v in category_versions),
        *(("item", i, v) for i, v in item_versions),
        *(("order", UUID(o["id"]), o["version"]) for o in orders),
    ]
    alive = {i for _, i, _ in delivered}
    gone = {i: d for i, d in deleted.items() if i not in alive}
    return Pulled(
        categories=categories,
        items=items,
        orders=orders,
        deleted_ids=list(gone) if req.include_deleted else [],
        delivered=delivered + [(entity, i, v) for i, (entity, v) in gone.items()],
        events=[orjson.Fragment(r["event"]) for r in rows],
        has_more=has_more,
        next_cursor=encode_cursor(rows[-1]["position"] if has_more else max(after, head)),
    )


Versions = list[tuple[UUID, int]]  # (id, version) of each resource rendered
RESOURCES: dict[str, tuple[type[BaseModel], str, list[str]]] = {
    "category": (CategoryOut, "categories", CATEGORY_ORDER),
    "item": (ItemOut, "items", ITEM_ORDER),
}


async def _resources(
    conn: asyncpg.Connection, entity: str, where: str, *args: Any, versions: bool = False
) -> tuple[orjson.Fragment, Versions]:
    """The entity's rows matching `where` as the JSON array PostgreSQL built, and (asked
    for by a page, for its delivery record) their ids and versions."""
    model, table, order = RESOURCES[entity]
    also = ("id", "version") if versions else ()
    row = await conn.fetchrow(sql_array(model, f"{table} WHERE {where}", order, *also), *args)
    assert row is not None  # an aggregate: always one row
    pairs = zip(row[1] or [], row[2] or [], strict=True) if versions else ()
    return orjson.Fragment(row[0]), list(pairs)


async def _orders(conn: asyncpg.Connection, where: str, *args: Any) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {ORDER_COLUMNS} FROM orders WHERE {where} ORDER BY exported_at DESC, id", *args
    )
    return [o.model_dump(mode="json", by_alias=True) for o in await with_lines(conn, rows)]

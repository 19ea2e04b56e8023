"""The `owner_feed` read table: every change to a household's categories, items and orders,
with the resource as it was right after the change, in log order. Sync pulls page through it.

It folds rows with the same handlers as the `categories`, `items` and `orders` projections
(kept in its own `feed_state`), and renders them with the API's response models, so a feed
entry always has the shape a GET would return.
"""

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from events.category import Category
from events.item import Item
from events.order import Order
from projections.categories import CategoriesProjection
from projections.items import ItemsProjection
from projections.orders import OrdersProjection
from projections.projection import Envelope, Projection, Row
from wire.categories import CategoryOut
from wire.items import ItemOut
from wire.orders import OrderItemOut, OrderOut
from wire.render import rendered, shape, to_json

KINDS: dict[type, tuple[str, dict[type, Callable[..., Row | None]]]] = {
    Category: ("category", CategoriesProjection.handlers),
    Item: ("item", ItemsProjection.handlers),
    Order: ("order", OrdersProjection.handlers),
}
HANDLERS = {
    event: (kind, handlers[event]) for kind, handlers in KINDS.values() for event in handlers
}
# Exact types: isinstance on event classes goes through ABC machinery on every event.
CREATED = frozenset((Category.Created, Item.Created, Order.Created, Category.Revived, Item.Revived))
DELETED = frozenset((Category.Deleted, Item.Deleted, Order.Deleted))


SHAPES = {"category": shape(CategoryOut), "item": shape(ItemOut), "order": shape(OrderOut)}
LINE_SHAPE = shape(OrderItemOut)


def render(kind: str, row: Row) -> dict[str, Any]:
    """The resource as GET returns it, built straight from the row (no validation: rows
    come from our own events, and this runs once per event on every replay)."""
    if kind == "order":
        row = {**row, "order_id": row["order_number"], "user_id": row["owner_id"]}
        row["items"] = [
            rendered(LINE_SHAPE, {**line, "order_id": row["id"]}) for line in row.get("lines", [])
        ]
    return rendered(SHAPES[kind], row)


FEED_COLUMNS = (
    "owner_id",
    "position",
    "entity",
    "entity_id",
    "version",
    "type",
    "data",
    "occurred_at",
)


class FeedProjection(Projection):
    name = "feed"
    tables = ("owner_feed", "feed_state")
    reads = frozenset(HANDLERS)

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        relevant = [e for e in batch if type(e.event) in HANDLERS]
        if not relevant:
            return
        state = await self._load(conn, {e.event.originator_id for e in relevant})
        entries = []
        for envelope in relevant:
            event = envelope.event
            kind, handler = HANDLERS[type(event)]
            before = state.get(event.originator_id)
            row = handler(before, envelope)
            if row is not None:
                if type(event) is Order.Created:
                    row = {**row, "lines": [dict(vars(line)) for line in event.lines]}
                elif before is not None and "lines" in before:
                    row = {**row, "lines": before["lines"]}
                state[event.originator_id] = row
            entries.append(self._entry(envelope, kind, row))
        await self._append(conn, entries)
        await self._remember(conn, state)

    def _entry(self, envelope: Envelope, kind: str, row: Row | None) -> tuple[Any, ...]:
        event = envelope.event
        change = "created" if type(event) in CREATED else "updated"
        if type(event) in DELETED:
            change = "deleted"
        data = (
            to_json(render(kind, row)).decode() if row is not None and change != "deleted" else None
        )
        return (
            event.owner_id,
            envelope.position,
            kind,
            event.originator_id,
            event.originator_version,
            change,
            data,
            event.timestamp,
        )

    async def erase(self, conn: asyncpg.Connection, owners: list[UUID]) -> None:
        await conn.execute(
            "DELETE FROM feed_state WHERE entity_id IN "
            "(SELECT entity_id FROM owner_feed WHERE owner_id = ANY($1::uuid[]))",
            owners,
        )
        await conn.execute("DELETE FROM owner_feed WHERE owner_id = ANY($1::uuid[])", owners)

    async def _load(self, conn: asyncpg.Connection, ids: set[UUID]) -> dict[UUID, Row]:
        rows = await conn.fetch(
            "SELECT entity_id, row FROM feed_state WHERE entity_id = ANY($1::uuid[])", list(ids)
        )
        return {r["entity_id"]: orjson.loads(r["row"]) for r in rows}

    async def _append(self, conn: asyncpg.Connection, entries: list[tuple[Any, ...]]) -> None:
        # Binary COPY: append-only, and the runner's tracking applies each event once.
        await conn.copy_records_to_table("owner_feed", records=entries, columns=FEED_COLUMNS)

    async def _remember(self, conn: asyncpg.Connection, state: dict[UUID, Row]) -> None:
        ids = list(state)
        await conn.execute(
            "INSERT INTO feed_state (entity_id, row) SELECT * FROM unnest($1::uuid[], $2::json[]) "
            "ON CONFLICT (entity_id) DO UPDATE SET row = EXCLUDED.row",
            ids,
            [to_json(state[i]).decode() for i in ids],
        )

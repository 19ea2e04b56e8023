"""The `orders` and `order_lines` read tables, and the pending-orders counter."""

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from events.order import OPEN_STATUSES, TIMESTAMPED, Order, OrderStatus
from projections.projection import Envelope, Row, StateTable


def created(_row: Row | None, e: Envelope) -> Row:
    event = e.event
    return {
        "id": event.originator_id,
        "owner_id": event.owner_id,
        "order_number": event.order_number,
        "local_id": event.local_id,
        "status": OrderStatus.PENDING,
        "notes": event.notes,
        "total_items": len(event.lines),
        "total_units": sum(line.quantity for line in event.lines),
        "exported_at": event.timestamp,
        "ordered_at": None,
        "received_at": None,
        "applied_at": None,
        "declined_at": None,
        "version": event.originator_version,
        "created_at": event.timestamp,
        "updated_at": event.timestamp,
    }


def changed(row: Row, e: Envelope, **values: object) -> Row:
    return {**row, **values, "version": e.event.originator_version, "updated_at": e.event.timestamp}


def status_changed(row: Row | None, e: Envelope) -> Row | None:
    if row is None:
        return None
    event = e.event
    values: dict[str, object] = {"status": event.status}
    if event.notes is not None:
        values["notes"] = event.notes
    if event.status in TIMESTAMPED:
        values[TIMESTAMPED[event.status]] = event.timestamp
    return changed(row, e, **values)


def applied(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e, status="stock_updated", applied_at=e.event.timestamp)


def deleted(_row: Row | None, _e: Envelope) -> None:
    return None


LINE_COLUMNS = {
    "id": "uuid",
    "order_id": "uuid",
    "position": "integer",
    "item_id": "uuid",
    "name": "text",
    "brand": "text",
    "unit": "text",
    "quantity": "integer",
    "current_stock": "integer",
    "minimum_stock": "integer",
    "category_name": "text",
    "supplier_name": "text",
    "purchase_link": "text",
    "image_uri": "text",
    "is_essential": "boolean",
    "notes": "text",
}


class OrdersProjection(StateTable):
    name = "orders"
    table = "orders"
    columns = {  # noqa: RUF012
        "id": "uuid",
        "owner_id": "uuid",
        "order_number": "text",
        "local_id": "text",
        "status": "text",
        "notes": "text",
        "total_items": "integer",
        "total_units": "integer",
        "exported_at": "timestamptz",
        "ordered_at": "timestamptz",
        "received_at": "timestamptz",
        "applied_at": "timestamptz",
        "declined_at": "timestamptz",
        "version": "bigint",
        "created_at": "timestamptz",
        "updated_at": "timestamptz",
    }
    handlers = {  # noqa: RUF012
        Order.Created: created,
        Order.StatusChanged: status_changed,
        Order.Applied: applied,
        Order.Deleted: deleted,
    }
    stats_columns = ("pending_orders_count",)

    @property
    def tables(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("orders", "order_lines")

    def counters(self, row: Row) -> dict[str, int]:
        return {"pending_orders_count": int(row["status"] in OPEN_STATUSES)}

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        await super().apply(conn, batch)
        gone = [e.event.originator_id for e in batch if type(e.event) is Order.Deleted]
        if gone:
            await conn.execute("DELETE FROM order_lines WHERE order_id = ANY($1::uuid[])", gone)
        await self._insert_lines(conn, [e for e in batch if type(e.event) is Order.Created])

    async def erase(self, conn: asyncpg.Connection, owners: list[UUID]) -> None:
        await conn.execute(
            "DELETE FROM order_lines WHERE order_id IN "
            "(SELECT id FROM orders WHERE owner_id = ANY($1::uuid[]))",
            owners,
        )
        await super().erase(conn, owners)

    async def _insert_lines(self, conn: asyncpg.Connection, creations: list[Envelope]) -> None:
        """Lines are written once, with their order; deleting the order cascades to them."""
        if not creations:
            return
        rows = [
            {**vars(line), "order_id": e.event.originator_id, "position": n}
            for e in creations
            for n, line in enumerate(e.event.lines)
        ]
        arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(LINE_COLUMNS.values(), 1))
        await conn.execute(
            f"INSERT INTO order_lines ({', '.join(LINE_COLUMNS)}) "
            f"SELECT l.* FROM unnest({arrays}) AS l({', '.join(LINE_COLUMNS)}) "
            "WHERE EXISTS (SELECT 1 FROM orders o WHERE o.id = l.order_id) "
            "ON CONFLICT DO NOTHING",
            *([row[c] for row in rows] for c in LINE_COLUMNS),
        )

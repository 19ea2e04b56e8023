"""Order reads: pages of orders with their lines (two queries per page, never one per order)."""

from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from query.params import Window
from wire.ids import parse_uuid
from wire.orders import OrderItemOut, OrderOut

COLUMNS = (
    "id, order_number, owner_id, local_id, status, total_items, total_units, notes, exported_at, "
    "ordered_at, received_at, applied_at, declined_at, version, created_at, updated_at"
)
LINE_COLUMNS = (
    "id, order_id, item_id, name, brand, unit, quantity, current_stock, minimum_stock, "
    "category_name, supplier_name, purchase_link, image_uri, is_essential, notes"
)


async def with_lines(
    conn: asyncpg.Connection | PoolConnectionProxy, rows: list[asyncpg.Record]
) -> list[OrderOut]:
    lines: dict[UUID, list[OrderItemOut]] = {r["id"]: [] for r in rows}
    if rows:
        for line in await conn.fetch(
            f"SELECT {LINE_COLUMNS} FROM order_lines WHERE order_id = ANY($1::uuid[]) "
            "ORDER BY order_id, position",
            list(lines),
        ):
            lines[line["order_id"]].append(OrderItemOut.model_validate(dict(line)))
    return [
        OrderOut.model_validate(
            {
                **dict(r),
                "order_id": r["order_number"],
                "user_id": r["owner_id"],
                "items": lines[r["id"]],
            }
        )
        for r in rows
    ]


async def list_orders(
    pool: asyncpg.Pool, owner_id: UUID, status: str | None, window: Window
) -> tuple[list[OrderOut], int]:
    where = "owner_id = $1"
    args: list[object] = [owner_id]
    if status is not None:
        where += " AND status = $2"
        args.append(status)
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        total = await conn.fetchval(f"SELECT count(*) FROM orders WHERE {where}", *args)
        rows = await conn.fetch(
            f"SELECT {COLUMNS} FROM orders WHERE {where} ORDER BY exported_at DESC, id "
            f"LIMIT {window.limit} OFFSET {window.offset}",
            *args,
        )
        return await with_lines(conn, rows), total


async def order_by_ref(pool: asyncpg.Pool, owner_id: UUID, ref: str) -> OrderOut | None:
    """By uuid, or by human order id (case-insensitive)."""
    order_id = parse_uuid(ref)
    condition, value = ("id = $2", order_id) if order_id else ("order_number = $2", ref.upper())
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(
            f"SELECT {COLUMNS} FROM orders WHERE owner_id = $1 AND {condition}", owner_id, value
        )
        found = await with_lines(conn, rows)
    return found[0] if found else None

"""Item reads: the filtered list, one item, stats, needs-attention and history."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from query.params import Window
from wire.items import ItemOut, ItemStats
from wire.render import rendered, shape, sql_array

ITEM = shape(ItemOut)
ITEM_ORDER = ["name", "id"]  # lists and pulls: the index items_owner_name_idx
COLUMNS = (
    "id, category_id, local_id, name, description, quantity, unit, minimum_stock, expiry_date, "
    "brand, notes, supplier_name, supplier_contact, purchase_link, image_uri, is_active, "
    "is_critical, lead_time_days, version, created_at, updated_at"
)


@dataclass(frozen=True)
class ItemFilter:
    category_id: UUID | None = None
    is_active: bool | None = None
    is_critical: bool | None = None
    low_stock_only: bool = False
    out_of_stock_only: bool = False
    search: str | None = None


def _where(owner_id: UUID, f: ItemFilter) -> tuple[str, list[object]]:
    clauses = ["owner_id = $1"]
    args: list[object] = [owner_id]

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.category_id is not None:
        clauses.append(f"category_id = {arg(f.category_id)}")
    if f.is_active is not None:
        clauses.append(f"is_active = {arg(f.is_active)}")
    if f.is_critical is not None:
        clauses.append(f"is_critical = {arg(f.is_critical)}")
    if f.low_stock_only:
        clauses.append("stock_status = 'low'")
    if f.out_of_stock_only:
        clauses.append("stock_status = 'out'")
    if f.search:
        pattern = arg(
            "%" + f.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        clauses.append(
            f"(name ILIKE {pattern} OR description ILIKE {pattern} OR brand ILIKE {pattern})"
        )
    return " AND ".join(clauses), args


async def item_page_json(
    pool: asyncpg.Pool, owner_id: UUID, f: ItemFilter, window: Window
) -> tuple[str, int]:
    """A page as a JSON array built by PostgreSQL, and the count of every match, in one
    query (the count apart from the page: a window count would carry every match along)."""
    where, args = _where(owner_id, f)
    order = ", ".join(ITEM_ORDER)
    page = f"items WHERE {where} ORDER BY {order} LIMIT {window.limit} OFFSET {window.offset}"
    row = await pool.fetchrow(
        f"SELECT ({sql_array(ItemOut, page, ITEM_ORDER)}) AS items, "
        f"(SELECT count(*) FROM items WHERE {where}) AS total",
        *args,
    )
    assert row is not None  # an aggregate: always one row
    return row["items"], row["total"]


async def item_by_id(pool: asyncpg.Pool, owner_id: UUID, item_id: UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow(
        f"SELECT {COLUMNS} FROM items WHERE owner_id = $1 AND id = $2", owner_id, item_id
    )
    return rendered(ITEM, row) if row else None


STATS = shape(ItemStats)
NO_STATS = {wire: 0 for _, wire in STATS}  # a household with nothing yet


async def item_stats(pool: asyncpg.Pool, owner_id: UUID) -> dict[str, Any]:
    """One row, kept current by the projections (never a count over items), in the wire
    shape (the hottest read of all: no model between the row and the bytes)."""
    row = await pool.fetchrow(
        f"SELECT {', '.join(column for column, _ in STATS)} FROM owner_stats WHERE owner_id = $1",
        owner_id,
    )
    return rendered(STATS, row) if row is not None else dict(NO_STATS)


async def needs_attention(pool: asyncpg.Pool, owner_id: UUID) -> dict[str, Any]:
    rows = await pool.fetch(
        f"SELECT {COLUMNS}, stock_status FROM items "
        "WHERE owner_id = $1 AND is_active AND stock_status <> 'ok' "
        "ORDER BY quantity, is_critical DESC, name, id",
        owner_id,
    )
    out = sum(1 for r in rows if r["stock_status"] == "out")
    return {
        "items": [rendered(ITEM, r) for r in rows],
        "total": len(rows),
        "outOfStockCount": out,
        "lowStockCount": len(rows) - out,
    }

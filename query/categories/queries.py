"""Category reads, always scoped to the owner."""

from uuid import UUID

import asyncpg

from vitaltrack.wire.categories import CategoryList, CategoryOut

COLUMNS = (
    "id, local_id, name, description, display_order, is_default, version, created_at, updated_at"
)


async def list_categories(pool: asyncpg.Pool, owner_id: UUID) -> CategoryList:
    rows = await pool.fetch(
        f"SELECT {COLUMNS} FROM categories WHERE owner_id = $1 ORDER BY display_order, name, id",
        owner_id,
    )
    categories = [CategoryOut.model_validate(dict(r)) for r in rows]
    return CategoryList(categories=categories, total=len(categories))


async def category_by_id(
    pool: asyncpg.Pool, owner_id: UUID, category_id: UUID
) -> CategoryOut | None:
    row = await pool.fetchrow(
        f"SELECT {COLUMNS} FROM categories WHERE owner_id = $1 AND id = $2", owner_id, category_id
    )
    return CategoryOut.model_validate(dict(row)) if row else None


async def count_categories(pool: asyncpg.Pool, owner_id: UUID) -> int:
    return await pool.fetchval("SELECT count(*) FROM categories WHERE owner_id = $1", owner_id)

"""Category reads, always scoped to the owner."""

from typing import cast
from uuid import UUID

import asyncpg

from wire.categories import (
    CategoryCountList,
    CategoryList,
    CategoryOut,
    CategoryWithCount,
)

CATEGORY_ORDER = ["display_order", "name", "id"]  # lists and pulls
COLUMNS = (
    "id, local_id, name, description, display_order, is_default, version, created_at, updated_at"
)


async def list_categories(pool: asyncpg.Pool, owner_id: UUID) -> CategoryList:
    rows = await pool.fetch(
        f"SELECT {COLUMNS} FROM categories WHERE owner_id = $1 "
        f"ORDER BY {', '.join(CATEGORY_ORDER)}",
        owner_id,
    )
    categories = [CategoryOut.model_validate(dict(r)) for r in rows]
    return CategoryList(categories=categories, total=len(categories))


async def list_categories_with_counts(pool: asyncpg.Pool, owner_id: UUID) -> CategoryCountList:
    rows = await pool.fetch(
        f"SELECT {', '.join('c.' + c.strip() for c in COLUMNS.split(','))}, "
        "(SELECT count(*) FROM items i WHERE i.owner_id = c.owner_id "
        "AND i.category_id = c.id AND i.is_active) AS item_count "
        "FROM categories c WHERE c.owner_id = $1 ORDER BY c.display_order, c.name, c.id",
        owner_id,
    )
    categories = [CategoryWithCount.model_validate(dict(r)) for r in rows]
    return CategoryCountList(categories=categories, total=len(categories))


async def category_by_id(
    pool: asyncpg.Pool, owner_id: UUID, category_id: UUID
) -> CategoryOut | None:
    row = await pool.fetchrow(
        f"SELECT {COLUMNS} FROM categories WHERE owner_id = $1 AND id = $2", owner_id, category_id
    )
    return CategoryOut.model_validate(dict(row)) if row else None


async def count_categories(pool: asyncpg.Pool, owner_id: UUID) -> int:
    return cast(
        int, await pool.fetchval("SELECT count(*) FROM categories WHERE owner_id = $1", owner_id)
    )

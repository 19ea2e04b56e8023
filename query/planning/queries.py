"""What the planning rules need, read from the read tables: a household's settings and its
active items with their recent use (one row each, whatever the length of the history)."""

from datetime import date, datetime, timedelta
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from infra.clock import Clock, local_date
from query.planning.rules import (
    MAX_WINDOW_DAYS,
    MIN_WINDOW_DAYS,
    Expiry,
    Forecast,
    Settings,
    Supply,
    expiring,
    plan,
)

Connection = asyncpg.Connection | asyncpg.Pool | PoolConnectionProxy

# The columns of a Supply, in its order.
SUPPLY = (
    "SELECT i.id, i.name, i.category_id, i.quantity, i.unit, i.minimum_stock, i.is_critical, "
    "i.lead_time_days, i.created_at, i.expiry_date, u.day, coalesce(u.recent, '{}') "
    "FROM items i LEFT JOIN usage_items u ON u.item_id = i.id AND u.owner_id = $1 "
    "WHERE i.owner_id = $1 AND i.is_active"
)
# Items a forecast may list: out, low, or perhaps running out within $2 days. The last test
# lets every item through that does (and some more, which the rules then leave out): one that
# runs out within d days has quantity x window < use x (d + 1), where the use within the window
# is at most `total`, the use of the 28 days the row keeps, and the window is 28 days for an
# item created 28 days or more before now (created before $3), else at least 7.
MAY_RUN_OUT = (
    " AND (i.quantity = 0 OR i.quantity < i.minimum_stock OR i.quantity::bigint * "
    f"CASE WHEN i.created_at <= $3 THEN {MAX_WINDOW_DAYS} ELSE {MIN_WINDOW_DAYS} END "
    "< u.total * ($2::integer + 1))"
)


async def settings_of(conn: Connection, household_id: UUID) -> Settings:
    """The household's planning settings (the defaults if it has no row)."""
    row = await conn.fetchrow(
        "SELECT time_zone, lead_time_days, cover_days FROM households WHERE id = $1",
        household_id,
    )
    return Settings(*row) if row is not None else Settings()


def today_of(settings: Settings, now: datetime) -> date:
    return local_date(now, settings.time_zone)


async def may_run_out(
    conn: Connection, household_id: UUID, now: datetime, within_days: int
) -> list[Supply]:
    """The active items a forecast of `within_days` from `now` may list."""
    old = now - timedelta(days=MAX_WINDOW_DAYS)
    rows = await conn.fetch(SUPPLY + MAY_RUN_OUT, household_id, within_days, old)
    return [Supply(*r) for r in rows]


async def expiring_by(conn: Connection, household_id: UUID, last: date) -> list[Supply]:
    """The active items whose expiry date is `last` or earlier."""
    rows = await conn.fetch(SUPPLY + " AND i.expiry_date <= $2", household_id, last)
    return [Supply(*r) for r in rows]


async def forecast_of(
    pool: asyncpg.Pool,
    household_id: UUID,
    now: datetime,
    within_days: int,
    cover_days: int | None = None,
) -> list[Forecast]:
    """The household's forecast (API.md 13 #1): the items it lists, in its order."""
    async with pool.acquire() as conn:
        settings = await settings_of(conn, household_id)
        supplies = await may_run_out(conn, household_id, now, within_days)
    today = today_of(settings, now)
    return plan(supplies, now, today, settings, within_days, cover_days)


async def expiring_of(
    pool: asyncpg.Pool, household_id: UUID, now: datetime, within_days: int
) -> list[Expiry]:
    """The household's items expiring within `within_days` (API.md 13 #3), in order."""
    async with pool.acquire() as conn:
        settings = await settings_of(conn, household_id)
        today = today_of(settings, now)
        supplies = await expiring_by(conn, household_id, today + timedelta(days=within_days))
    return expiring(supplies, today, within_days)


async def suggested_lines(
    pool: asyncpg.Pool, clock: Clock, household_id: UUID, within_days: int, cover_days: int | None
) -> list[tuple[UUID, int]]:
    """What a suggested order orders (API.md 13 #2): each listed item with a suggested
    quantity, in the forecast's order (the command side's `Suggestions`)."""
    listed = await forecast_of(pool, household_id, clock.now(), within_days, cover_days)
    return [(f.supply.id, f.suggested_quantity) for f in listed if f.suggested_quantity > 0]

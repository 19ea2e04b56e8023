"""Supply planning's rules (API.md 13) as pure functions over plain values: the usage window,
daily usage and its rounding, one item's forecast and status, which items a forecast lists
and in what order, expiry. No I/O and no clock: callers pass "now" and the household's
"today". Usage stays an exact fraction (`used` / `window`): every figure derived from it is
computed from the unrounded value in integers, and only `daily_usage` is rounded, for the wire.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple
from uuid import UUID

MIN_WINDOW_DAYS, MAX_WINDOW_DAYS = 7, 28
OUT, REORDER_NOW, LOW, REORDER_SOON = "out", "reorder_now", "low", "reorder_soon"
RANK = {OUT: 0, REORDER_NOW: 1, LOW: 2, REORDER_SOON: 3}  # the order statuses are listed in


@dataclass(frozen=True)
class Settings:
    """A household's planning settings."""

    time_zone: str = "UTC"
    lead_time_days: int = 3
    cover_days: int = 30


class Supply(NamedTuple):
    """An active item as the rules see it, with the use of its household's recent days.
    (Named tuples: a forecast builds hundreds of these per request.)"""

    id: UUID
    name: str
    category_id: UUID
    quantity: int
    unit: str
    minimum_stock: int
    is_critical: bool
    lead_time_days: int | None  # None: the household's
    created_at: datetime
    expiry_date: date | None = None
    used_day: date | None = None  # the day of used[0]; None: never used
    used: Sequence[int] = ()  # use per day, newest first


class Usage(NamedTuple):
    used: int  # stock used within the window (> 0)
    window: int  # its days

    @property
    def daily(self) -> float:
        """used / window to 2 decimals, half up (0.125 -> 0.13), in integers."""
        return (200 * self.used + self.window) // (2 * self.window) / 100


class Forecast(NamedTuple):
    supply: Supply
    usage: Usage | None  # None: no use within the window
    days_left: int | None
    run_out_on: date | None
    reorder_by: date | None
    suggested_quantity: int
    status: str


class Expiry(NamedTuple):
    supply: Supply
    days_to_expiry: int

    @property
    def expired(self) -> bool:
        return self.days_to_expiry < 0


def window_days(created_at: datetime, now: datetime) -> int:
    """Days from the item's creation to now, rounded up, clamped to 7-28."""
    age = now - created_at
    days = age.days + (1 if age.seconds or age.microseconds else 0)
    return min(max(days, MIN_WINDOW_DAYS), MAX_WINDOW_DAYS)


def used_within(supply: Supply, today: date, window: int) -> int:
    """Use on the `window` days ending today (today included)."""
    if supply.used_day is None:
        return 0
    ahead = (supply.used_day - today).days  # used[k] is the use of used_day - k days
    return sum(supply.used[max(0, ahead) : max(0, ahead + window)])


def usage_of(supply: Supply, now: datetime, today: date) -> Usage | None:
    window = window_days(supply.created_at, now)
    used = used_within(supply, today, window)
    return Usage(used, window) if used > 0 else None


def lead_time(supply: Supply, settings: Settings) -> int:
    """The item's own lead time, else its household's."""
    return settings.lead_time_days if supply.lead_time_days is None else supply.lead_time_days


def forecast(
    supply: Supply, now: datetime, today: date, settings: Settings, cover_days: int | None = None
) -> Forecast:
    usage = usage_of(supply, now, today)
    lead = lead_time(supply, settings)
    cover = settings.cover_days if cover_days is None else cover_days
    quantity, minimum = supply.quantity, supply.minimum_stock
    if usage is None:
        suggested = max(0, minimum - quantity)
        return Forecast(supply, None, None, None, None, suggested, status_of(supply, None, today))
    days_left = quantity * usage.window // usage.used  # floor(quantity / daily usage)
    run_out_on = today + timedelta(days=days_left)
    reorder_by = run_out_on - timedelta(days=lead)
    needed = -(-usage.used * (lead + cover) // usage.window)  # ceil(daily usage x days)
    suggested = max(0, needed + minimum - quantity)
    status = status_of(supply, reorder_by, today)
    return Forecast(supply, usage, days_left, run_out_on, reorder_by, suggested, status)


def status_of(supply: Supply, reorder_by: date | None, today: date) -> str:
    """The first that applies: out, reorder now, low, else reorder soon."""
    if supply.quantity == 0:
        return OUT
    if reorder_by is not None and reorder_by <= today:
        return REORDER_NOW
    if supply.quantity < supply.minimum_stock:
        return LOW
    return REORDER_SOON


def listed(f: Forecast, today: date, within_days: int) -> bool:
    """Out, low, or running out within `within_days` of today."""
    s = f.supply
    if s.quantity == 0 or s.quantity < s.minimum_stock:
        return True
    return f.run_out_on is not None and f.run_out_on <= today + timedelta(days=within_days)


def order_key(f: Forecast) -> tuple[object, ...]:
    """Critical first, then by status, then run-out day (none last), then name."""
    s = f.supply
    run_out = (f.run_out_on is None, f.run_out_on or date.min)
    return (not s.is_critical, RANK[f.status], run_out, s.name.casefold(), s.name, s.id)


def plan(
    supplies: Iterable[Supply],
    now: datetime,
    today: date,
    settings: Settings,
    within_days: int,
    cover_days: int | None = None,
) -> list[Forecast]:
    """The forecast's list: the supplies it lists, in its order."""
    forecasts = (forecast(s, now, today, settings, cover_days) for s in supplies)
    return sorted((f for f in forecasts if listed(f, today, within_days)), key=order_key)


def expiring(supplies: Iterable[Supply], today: date, within_days: int) -> list[Expiry]:
    """Supplies whose expiry date is at most `within_days` away (past ones included), by
    expiry date, then name."""
    last = today + timedelta(days=within_days)
    found = [
        Expiry(s, (s.expiry_date - today).days)
        for s in supplies
        if s.expiry_date is not None and s.expiry_date <= last
    ]
    return sorted(found, key=lambda e: (e.days_to_expiry, e.supply.name.casefold(), e.supply.id))


def worth_a_digest(f: Forecast) -> bool:
    """What the daily digest reports of a forecast: out, reorder now, or critical and low."""
    return f.status in (OUT, REORDER_NOW) or (f.supply.is_critical and f.status == LOW)

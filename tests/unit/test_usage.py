"""What counts as use (API.md 13), and how the usage projection files it by day."""

import uuid
from datetime import date, timedelta

import pytest

from events.usage import used
from projections.usage import RECENT_DAYS, Recent
from query.planning.rules import MAX_WINDOW_DAYS

DAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("delta", "reason", "use"),
    [
        (-3, None, 3),
        (-3, "used at night", 3),
        (-3, "stocktake: recount", 3),  # only the reason itself is not use
        (-3, "stocktake", 0),
        (-3, "StockTake", 0),
        (-3, " CORRECTION ", 0),
        (5, None, 0),  # a delivery
        (5, "order ORD-20261207-0001", 0),
        (None, None, 0),  # an edit without a stock change
        (0, None, 0),
    ],
)
def test_use_is_a_decrease_not_a_recount_or_correction(
    delta: int | None, reason: str | None, use: int
) -> None:
    assert used(delta, reason) == use


def test_the_projection_keeps_as_many_days_as_the_longest_window() -> None:
    assert RECENT_DAYS == MAX_WINDOW_DAYS


def test_uses_are_filed_by_day_newest_first() -> None:
    recent = Recent(uuid.uuid4(), DAY, [0] * RECENT_DAYS)
    recent.add(DAY, 2)
    recent.add(DAY, 1)
    recent.add(DAY + timedelta(days=2), 5)  # two days later: the days move along
    recent.add(DAY + timedelta(days=1), 4)  # late news of the day between
    assert (recent.day, recent.used[:4]) == (DAY + timedelta(days=2), [5, 4, 3, 0])


def test_days_older_than_the_window_are_forgotten() -> None:
    recent = Recent(uuid.uuid4(), DAY, [1] * RECENT_DAYS)
    recent.add(DAY - timedelta(days=RECENT_DAYS), 9)  # before the oldest day kept
    assert sum(recent.used) == RECENT_DAYS
    recent.add(DAY + timedelta(days=RECENT_DAYS - 1), 7)
    assert recent.used == [7] + [0] * (RECENT_DAYS - 2) + [1]
    recent.add(DAY + timedelta(days=100), 2)
    assert recent.used == [2] + [0] * (RECENT_DAYS - 1)

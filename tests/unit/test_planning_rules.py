"""The rules of API.md 13 as values in, values out: window, usage, rounding, every formula,
status, which items are listed and in what order, expiry, and "today" across midnight."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from infra.clock import local_date
from query.planning import rules
from query.planning.rules import Settings, Supply, Usage

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TODAY = date(2026, 12, 7)
HOUSEHOLD = Settings(lead_time_days=3, cover_days=30)


def supply(
    name: str = "Saline",
    *,
    quantity: int = 10,
    minimum: int = 0,
    critical: bool = False,
    lead: int | None = None,
    age: timedelta = timedelta(days=40),
    used: tuple[int, ...] = (),
    used_day: date | None = TODAY,
    expiry: date | None = None,
) -> Supply:
    return Supply(
        uuid.uuid4(),
        name,
        uuid.uuid4(),
        quantity,
        "ml",
        minimum,
        critical,
        lead,
        NOW - age,
        expiry,
        used_day if used else None,
        used,
    )


def daily(per_day: int, days: int = 28) -> tuple[int, ...]:
    return (per_day,) * days


# The window: days from creation to now, rounded up, within 7-28


@pytest.mark.parametrize(
    ("age", "window"),
    [
        (timedelta(hours=1), 7),  # a new item
        (timedelta(days=7), 7),
        (timedelta(days=7, seconds=1), 8),  # rounded up
        (timedelta(days=10, hours=12), 11),
        (timedelta(days=28), 28),
        (timedelta(days=40), 28),  # an old item: the last 28 days
        (timedelta(days=-2), 7),  # created "after" now (a clock set back)
    ],
)
def test_the_window_is_the_age_in_days_rounded_up_and_clamped(age: timedelta, window: int) -> None:
    assert rules.window_days(NOW - age, NOW) == window


def test_a_new_items_use_is_spread_over_seven_days() -> None:
    fresh = supply(age=timedelta(hours=2), used=(14,))
    assert rules.usage_of(fresh, NOW, TODAY) == Usage(14, 7)
    assert rules.forecast(fresh, NOW, TODAY, HOUSEHOLD).usage == Usage(14, 7)


def test_an_old_items_use_counts_the_last_28_days_only() -> None:
    # used[k] is the use of TODAY - k: 1 a day for 28 days, then 100 on day 28 (outside)
    old = supply(used=(*daily(1), 100))
    assert rules.usage_of(old, NOW, TODAY) == Usage(28, 28)


def test_the_window_includes_today_and_the_days_before_it() -> None:
    item = supply(age=timedelta(days=10), used=(0,) * 9 + (5, 7))  # 9 and 10 days ago
    assert rules.used_within(item, TODAY, 10) == 5  # TODAY-9 is the 10th day; TODAY-10 is not


def test_use_recorded_before_today_is_read_from_its_own_day() -> None:
    three_days_ago = supply(
        age=timedelta(days=7), used=(1, 1, 1, 1, 1), used_day=TODAY - timedelta(3)
    )
    assert rules.used_within(three_days_ago, TODAY, 7) == 4  # TODAY-3 .. TODAY-6
    ahead = supply(used=(9, 1, 1), used_day=TODAY + timedelta(1))  # a clock set back
    assert rules.used_within(ahead, TODAY, 7) == 2


def test_no_use_within_the_window_is_no_usage() -> None:
    stale = supply(used=(5,), used_day=TODAY - timedelta(days=30))
    f = rules.forecast(stale, NOW, TODAY, HOUSEHOLD)
    assert (f.usage, f.days_left, f.run_out_on, f.reorder_by) == (None, None, None, None)


# Rounding: half up, to 2 decimals, of the sent figure only


@pytest.mark.parametrize(
    ("used", "window", "sent"),
    [(1, 8, 0.13), (3, 8, 0.38), (5, 8, 0.63), (3, 24, 0.13), (1, 7, 0.14), (19, 28, 0.68)],
)
def test_daily_usage_is_rounded_half_up(used: int, window: int, sent: float) -> None:
    assert Usage(used, window).daily == sent


def test_every_figure_comes_from_the_unrounded_usage() -> None:
    item = supply(quantity=1, age=timedelta(days=8), used=(1,))  # 0.125 a day, sent as 0.13
    f = rules.forecast(item, NOW, TODAY, Settings(lead_time_days=3, cover_days=5))
    assert f.days_left == 8  # 1 / 0.125; 1 / 0.13 would be 7
    assert f.suggested_quantity == 0  # ceil(0.125 x 8) = 1 needed, 1 held; 0.13 x 8 -> 2


# The formulas


def test_days_left_run_out_and_reorder_by() -> None:
    item = supply(quantity=20, used=daily(3))  # 84 / 28 = 3 a day
    f = rules.forecast(item, NOW, TODAY, HOUSEHOLD)
    assert f.days_left == 6  # floor(20 / 3)
    assert f.run_out_on == TODAY + timedelta(days=6)
    assert f.reorder_by == TODAY + timedelta(days=3)  # household lead time 3


def test_the_items_lead_time_wins_over_the_households() -> None:
    own = rules.forecast(supply(quantity=20, used=daily(3), lead=5), NOW, TODAY, HOUSEHOLD)
    none = rules.forecast(supply(quantity=20, used=daily(3), lead=0), NOW, TODAY, HOUSEHOLD)
    assert own.reorder_by == TODAY + timedelta(days=1)
    assert none.reorder_by == none.run_out_on  # 0 is a lead time, not "the household's"
    assert own.suggested_quantity == 3 * (5 + 30) - 20


def test_the_suggested_quantity_covers_lead_time_cover_days_and_the_minimum() -> None:
    item = supply(quantity=5, minimum=10, used=(*(0,) * 27, 7))  # 7 / 28 = 0.25 a day
    f = rules.forecast(item, NOW, TODAY, HOUSEHOLD)
    assert f.suggested_quantity == 9 + 10 - 5  # ceil(0.25 x (3 + 30)) = 9
    cover_one = rules.forecast(item, NOW, TODAY, HOUSEHOLD, cover_days=1)
    assert cover_one.suggested_quantity == 1 + 10 - 5  # ceil(0.25 x (3 + 1)) = 1
    plenty = item._replace(quantity=40)
    assert rules.forecast(plenty, NOW, TODAY, HOUSEHOLD).suggested_quantity == 0  # never < 0


def test_without_usage_the_suggestion_tops_up_to_the_minimum() -> None:
    assert (
        rules.forecast(supply(quantity=2, minimum=5), NOW, TODAY, HOUSEHOLD).suggested_quantity == 3
    )
    assert (
        rules.forecast(supply(quantity=9, minimum=5), NOW, TODAY, HOUSEHOLD).suggested_quantity == 0
    )


def test_a_large_use_stays_exact() -> None:
    item = supply(quantity=999_999, used=daily(999_999))
    f = rules.forecast(item, NOW, TODAY, HOUSEHOLD)
    assert (f.days_left, f.suggested_quantity) == (1, 999_999 * 33 - 999_999)


# Status: the first that applies


def test_status_out_comes_first() -> None:
    f = rules.forecast(supply(quantity=0, minimum=5, used=daily(1)), NOW, TODAY, HOUSEHOLD)
    assert (f.status, f.days_left, f.run_out_on) == ("out", 0, TODAY)


def test_status_reorder_now_when_reorder_by_is_today_or_past() -> None:
    on_the_day = supply(quantity=3, minimum=50, used=daily(1))  # runs out in 3 = lead time
    assert rules.forecast(on_the_day, NOW, TODAY, HOUSEHOLD).status == "reorder_now"
    a_day_early = on_the_day._replace(quantity=4)
    assert rules.forecast(a_day_early, NOW, TODAY, HOUSEHOLD).status == "low"


def test_status_low_then_reorder_soon() -> None:
    assert rules.forecast(supply(quantity=4, minimum=5), NOW, TODAY, HOUSEHOLD).status == "low"
    at_minimum = supply(quantity=5, minimum=5, used=daily(1))
    assert rules.forecast(at_minimum, NOW, TODAY, HOUSEHOLD).status == "reorder_soon"


# What is listed, in what order


def test_listed_when_out_low_or_running_out_within_the_days_asked() -> None:
    within = 14
    cases = {
        "out": (supply(quantity=0), True),
        "low": (supply(quantity=1, minimum=2), True),
        "at its minimum": (supply(quantity=2, minimum=2), False),
        "runs out on the last day": (supply(quantity=14, used=daily(1)), True),
        "runs out the day after": (supply(quantity=15, used=daily(1)), False),
        "never used": (supply(quantity=1), False),
    }
    for name, (item, expected) in cases.items():
        f = rules.forecast(item, NOW, TODAY, HOUSEHOLD)
        assert rules.listed(f, TODAY, within) is expected, name


def test_the_order_critical_first_then_status_then_run_out_then_name() -> None:
    items = [
        supply("zeta soon", quantity=10, used=daily(1)),  # reorder_soon, out in 10
        supply("beta soon", quantity=10, used=daily(1)),  # same: by name
        supply("Alpha soon", quantity=10, used=daily(1)),  # names compared as people read
        supply("earlier", quantity=8, used=daily(1)),  # reorder_soon, out in 8
        supply("low, no usage", quantity=1, minimum=2),  # low, run-out unknown
        supply("low, used", quantity=4, minimum=5, used=daily(1)),  # low, out in 4
        supply("now", quantity=2, used=daily(1)),  # reorder_now
        supply("gone", quantity=0),  # out
        supply("critical soon", quantity=12, critical=True, used=daily(1)),
    ]
    planned = rules.plan(reversed(items), NOW, TODAY, HOUSEHOLD, within_days=14)
    assert [f.supply.name for f in planned] == [
        "critical soon",
        "gone",
        "now",
        "low, used",
        "low, no usage",
        "earlier",
        "Alpha soon",
        "beta soon",
        "zeta soon",
    ]


def test_the_digest_reports_out_reorder_now_and_critical_low_only() -> None:
    chosen = {
        "out": supply(quantity=0),
        "reorder now": supply(quantity=2, used=daily(1)),
        "critical low": supply(quantity=1, minimum=2, critical=True),
    }
    left = {"low": supply(quantity=1, minimum=2), "soon": supply(quantity=9, used=daily(1))}
    for name, item in {**chosen, **left}.items():
        f = rules.forecast(item, NOW, TODAY, HOUSEHOLD)
        assert rules.worth_a_digest(f) is (name in chosen), name


# Expiry


def test_expiring_lists_past_and_coming_dates_in_date_then_name_order() -> None:
    items = [
        supply("later", expiry=TODAY + timedelta(days=30)),
        supply("too late", expiry=TODAY + timedelta(days=31)),
        supply("b today", expiry=TODAY),
        supply("A today", expiry=TODAY),
        supply("past", expiry=TODAY - timedelta(days=2)),
        supply("no date"),
    ]
    found = rules.expiring(items, TODAY, 30)
    assert [(e.supply.name, e.days_to_expiry, e.expired) for e in found] == [
        ("past", -2, True),
        ("A today", 0, False),
        ("b today", 0, False),
        ("later", 30, False),
    ]


# "Today" is the household's


@pytest.mark.parametrize(
    ("utc", "zone", "today"),
    [
        ("2026-12-07T18:29:59+00:00", "Asia/Kolkata", date(2026, 12, 7)),  # 23:59:59 there
        ("2026-12-07T18:30:00+00:00", "Asia/Kolkata", date(2026, 12, 8)),  # midnight there
        ("2026-12-08T07:59:59+00:00", "America/Los_Angeles", date(2026, 12, 7)),
        ("2026-12-08T08:00:00+00:00", "America/Los_Angeles", date(2026, 12, 8)),
        ("2026-12-07T23:59:59+00:00", "UTC", date(2026, 12, 7)),
        ("2026-12-08T00:00:00+00:00", "Not/AZone", date(2026, 12, 8)),  # unknown: UTC
    ],
)
def test_today_is_the_date_in_the_households_time_zone(utc: str, zone: str, today: date) -> None:
    assert local_date(datetime.fromisoformat(utc), zone) == today


def test_run_out_moves_with_the_households_midnight() -> None:
    item = supply(quantity=10, used=daily(1))
    before = datetime(2026, 12, 7, 18, 29, tzinfo=UTC)
    after = before + timedelta(minutes=2)
    run_out = [
        rules.forecast(item, at, local_date(at, "Asia/Kolkata"), HOUSEHOLD).run_out_on
        for at in (before, after)
    ]
    assert run_out == [date(2026, 12, 17), date(2026, 12, 18)]

"""Time: the one clock of a process, and calendar days in a household's time zone.

The composition root makes one clock and hands it to everything that asks what time it is:
the events' timestamps (events/clock.py), "today" of forecasts, the daily digest. `serve`
runs on the system clock; `digest run --at` and the tests on a `FixedClock`, which they can
move: a month of use takes seconds, and no test waits for the wall clock.
"""

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Clock(Protocol):
    def now(self) -> datetime:
        """The present moment, aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """Stands at `at` until moved (an operator's `--at`; tests)."""

    def __init__(self, at: datetime):
        self.at = at

    @property
    def at(self) -> datetime:
        return self._at

    @at.setter
    def at(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a clock's time needs an offset")
        self._at = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self._at


@lru_cache(maxsize=1024)
def zone(name: str) -> tzinfo:
    """The IANA time zone of this name; UTC for a name this machine does not know (never an
    error: a projection or a digest must not stop on a household's setting)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_date(moment: datetime, zone_name: str) -> date:
    """The calendar day `moment` falls on in that time zone."""
    return moment.astimezone(zone(zone_name)).date()

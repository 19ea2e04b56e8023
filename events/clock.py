"""When events happen: the time every event is stamped with, from the process's one clock.

The library stamps each new event with `create_timestamp()`, which reads the wall clock. Our
events read the clock the composition root hands over (`stamp_with`), the same object the
API's reads and the daily digest ask for "now": tests set it to any moment and let a month of
use pass in seconds, and "today" never disagrees with the time the log records.
"""

from collections.abc import Callable
from datetime import UTC, datetime

Now = Callable[[], datetime]


def system_now() -> datetime:
    return datetime.now(UTC)


_now: Now = system_now


def stamp_with(now: Now) -> None:
    """Stamp events of this process with `now()` from here on."""
    global _now
    _now = now


def now() -> datetime:
    """The moment as the events' clock has it (aware, UTC)."""
    return _now()


class Stamped:
    """A base of every event: its timestamp comes from the clock above."""

    @staticmethod
    def create_timestamp() -> datetime:
        return _now()

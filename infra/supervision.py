"""Background loops that must keep going (the projection runner, the mail sender): restarted
after a failure, and loud only when the failure is news."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import asyncpg

from infra.database import UNREACHABLE

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 2.0  # also how soon a loop resumes once the database is back

# States of the database to wait out, not bugs: each is reported once, then retried quietly.
WAITING_FOR: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    (
        (asyncpg.exceptions.UndefinedTableError,),
        "the database is not migrated yet (`vitaltrack migrate` or `vitaltrack serve` does it)",
    ),
    (
        UNREACHABLE,
        "the database cannot be reached",
    ),
)


async def supervise(name: str, run: Callable[[], Awaitable[None]]) -> None:
    """Run `run()` until cancelled, again after each failure. Waiting for the database: one
    warning, then retries backing off from 1 to 2 s, at debug level. Anything else is logged
    with its traceback every time. A run that lasted a while had recovered: after it, the
    next failure is news again."""
    reported: str | None = None
    delay = FIRST_RETRY_SECONDS
    while True:
        started = time.monotonic()
        try:
            await run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if being_cancelled():  # a clean-up on the way out failed: still on the way out
                raise asyncio.CancelledError from exc
            if time.monotonic() - started > MAX_RETRY_SECONDS:
                reported, delay = None, FIRST_RETRY_SECONDS
            reason = _waiting_for(exc)
            if reason is None:
                logger.exception("%s failed; restarting in %.0f s", name, delay)
            elif reason != reported:
                logger.warning("%s waiting: %s (%s); retrying quietly", name, reason, exc)
            else:
                logger.debug("%s still waiting: %s", name, reason)
            reported = reason
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)


def _waiting_for(exc: Exception) -> str | None:
    return next((reason for kinds, reason in WAITING_FOR if isinstance(exc, kinds)), None)


def being_cancelled() -> bool:
    """Whether this task has been asked to stop (some clients, and a `finally` that fails,
    turn the cancellation into an error of their own)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def nap(wake: asyncio.Event, seconds: float) -> None:
    """Wait until `wake` is set or `seconds` have passed. Not asyncio.wait_for: in Python 3.11
    it swallows a cancellation that arrives as the event is set, and the loop then ran on,
    so shutting the app down waited out its grace period. For the same reason a cancellation
    that some library swallowed meanwhile (an SMTP send) is raised here, not napped through."""
    if being_cancelled():
        raise asyncio.CancelledError
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wake.wait()

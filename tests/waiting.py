"""Waiting on a condition, never on the clock: a test orders events by what has happened."""

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

POLL_SECONDS = 0.02


async def until(
    condition: Callable[[], bool | Awaitable[bool]],
    what: str = "the condition",
    timeout: float = 15,
) -> None:
    """Return once `condition()` holds (a value or an awaitable); fail naming `what` if it
    never does."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                held = condition()
                if await held if inspect.isawaitable(held) else held:
                    return
                await asyncio.sleep(POLL_SECONDS)
    except TimeoutError:
        raise AssertionError(f"never happened within {timeout} s: {what}") from None


def until_sync(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    """`until` for threads and subprocesses."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {timeout} s: {what}")
        time.sleep(POLL_SECONDS)

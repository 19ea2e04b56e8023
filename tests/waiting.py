"""Waiting on a condition: what orders a test's steps is the state itself, never time."""

import asyncio
import inspect
from collections.abc import Awaitable, Callable


async def until(condition: Callable[[], bool | Awaitable[bool]], timeout: float = 30) -> None:
    """Return once `condition()` holds; poll it, and give up after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            held = condition()
            if await held if inspect.isawaitable(held) else held:
                return
            await asyncio.sleep(0.01)

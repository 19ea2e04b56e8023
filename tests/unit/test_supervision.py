"""Background loops (infra/supervision.py): restarted after failures, stopped when asked."""

import asyncio
import contextlib

import asyncpg

from infra.supervision import nap, supervise
from tests.waiting import until


async def test_a_loop_whose_clean_up_fails_on_the_way_out_still_stops() -> None:
    """Shutdown cancels the loop; a `finally` that then fails on a dead connection must not
    turn the cancellation into a failure to retry (the app waited 10 s for it to stop)."""
    running = asyncio.Event()

    async def run() -> None:
        try:
            running.set()
            await asyncio.Event().wait()
        finally:
            raise asyncpg.InterfaceError("connection has been released back to the pool")

    loop = asyncio.create_task(supervise("loop", run))
    await running.wait()
    loop.cancel()
    done, _ = await asyncio.wait([loop], timeout=5)
    assert done == {loop} and loop.cancelled()


async def test_a_loop_woken_and_cancelled_at_once_stops() -> None:
    """Shutdown may cancel a loop just as a NOTIFY wakes it (a mail queued, a batch
    projected): the cancellation must win, or the app waits out its grace period."""
    wake, naps = asyncio.Event(), 0

    async def follow() -> None:
        nonlocal naps
        while True:
            wake.clear()
            naps += 1
            await nap(wake, 30)

    loop = asyncio.create_task(follow())

    async def napping() -> bool:
        return naps == 1

    await until(napping, "the loop naps")
    wake.set()
    loop.cancel()
    done, _ = await asyncio.wait([loop], timeout=5)
    assert done == {loop} and loop.cancelled()


async def test_a_loop_stops_even_when_a_library_swallowed_its_cancellation() -> None:
    started = asyncio.Event()

    async def swallowing() -> None:  # as Python 3.11's wait_for can, inside a library
        started.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()

    async def follow() -> None:
        while True:
            await swallowing()
            await nap(asyncio.Event(), 30)

    loop = asyncio.create_task(follow())
    await started.wait()
    loop.cancel()
    done, _ = await asyncio.wait([loop], timeout=5)
    assert done == {loop} and loop.cancelled()

"""Read-your-writes: wait until the read tables include a given event position."""

import asyncio
import logging

import asyncpg

from infra.database import UNREACHABLE
from infra.listener import Listener

logger = logging.getLogger(__name__)

# The projection runner NOTIFYs this channel, in the batch's transaction, with the
# position the live read tables have reached.
PROJECTED_CHANNEL = "vitaltrack_projected"


class Watermark:
    """How far the live read tables have caught up with the event log, as seen by this process.

    Works across processes: whichever process runs the projections, every API process
    hears its NOTIFY. If a notification is missed, the timeout path reads the table.
    """

    def __init__(self, pool: asyncpg.Pool, listener: Listener, timeout: float):
        self._pool = pool
        self._timeout = timeout
        self._position = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self.timeouts = 0  # waits that ran out (the runner is down, or behind)
        listener.subscribe(PROJECTED_CHANNEL, self._on_notify, self.resync)

    async def resync(self) -> None:
        """Read the position from the table (at start, and after a reconnection)."""
        self._advance(await self._read_position())

    async def wait_for(self, position: int) -> bool:
        """Return once the read tables include `position` (False if that took too long)."""
        if position <= self._position:
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append((position, waiter))
        try:
            async with asyncio.timeout(self._timeout):
                await waiter
            return True
        except TimeoutError:
            self.timeouts += 1
            self._waiters = [(p, w) for p, w in self._waiters if w is not waiter]
            try:
                self._advance(await self._read_position())
            except UNREACHABLE as exc:  # the command is committed: answer it all the same
                logger.warning("read tables' position unknown (%s); answering anyway", exc)
                return False
            if position <= self._position:
                return True
            logger.warning("read tables at %s, still behind position %s", self._position, position)
            return False

    def _on_notify(self, payload: str) -> None:
        self._advance(int(payload))

    def _advance(self, position: int) -> None:
        if position <= self._position:
            return
        self._position = position
        still_waiting = []
        for target, waiter in self._waiters:
            if target <= position:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                still_waiting.append((target, waiter))
        self._waiters = still_waiting

    async def _read_position(self) -> int:
        value = await self._pool.fetchval("SELECT min(position) FROM projection_tracking")
        return int(value or 0)

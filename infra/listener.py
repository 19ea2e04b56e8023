"""LISTEN that survives the database going away.

One connection of its own (not from a pool), checked every few seconds. When it is lost (a
Postgres restart, a failover, a network cut) it reconnects with backoff, listens on every
channel again and tells its subscribers, which catch up on what they missed in between;
the pools' connections from before are expired then too, so none answers once with a dead
socket. Without this, a restart left every write waiting out its read-your-writes timeout.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import asyncpg

logger = logging.getLogger(__name__)

CHECK_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 5.0
# The connection is lost, or as good as lost: InternalClientError is asyncpg's protocol left
# mid-error by a server that shut down (a query on it "cannot switch state"), which had
# killed the watcher for good.
LOST = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)

Handler = Callable[[str], None]  # the payload


class Listener:
    def __init__(self, dsn: str, pool: asyncpg.Pool):
        self._dsn, self._pool = dsn, pool
        self._handlers: dict[str, Handler] = {}
        self._resyncs: list[Callable[[], Awaitable[None]]] = []
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self.reconnects = 0

    def subscribe(
        self, channel: str, handler: Handler, resync: Callable[[], Awaitable[None]]
    ) -> None:
        """Call `handler` for every notification; `resync` after every reconnection."""
        self._handlers[channel] = handler
        self._resyncs.append(resync)

    async def start(self) -> None:
        await self._connect()
        self._task = asyncio.create_task(self._watch(), name="listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._conn.close(timeout=2))

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        for channel in self._handlers:
            await conn.add_listener(channel, self._dispatch)
        self._conn = conn

    def _dispatch(self, _conn: Any, _pid: int, channel: str, payload: object) -> None:
        self._handlers[channel](cast(str, payload))  # NOTIFY payloads are always text

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            if await self._alive():
                continue
            logger.warning("lost the database connection that listens; reconnecting")
            await self._reconnect()

    async def _alive(self) -> bool:
        conn = self._conn
        if conn is None or conn.is_closed():
            return False
        try:
            await conn.fetchval("SELECT 1", timeout=CHECK_SECONDS)
            return True
        except LOST:
            return False

    async def _reconnect(self) -> None:
        if self._conn is not None:
            self._conn.terminate()
        backoff = 0.2
        while True:
            try:
                await self._connect()
                break
            except LOST:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        self.reconnects += 1
        await self._pool.expire_connections()
        for resync in self._resyncs:
            try:
                await resync()
            except Exception:  # a subscriber's trouble must not stop the others
                logger.exception("catching up after a reconnection failed")
        logger.info("listening again after the database came back")

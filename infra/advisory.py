"""Postgres advisory locks held on an asyncpg connection: they serialise work across API
processes, and Postgres releases them if the connection dies."""

import contextlib
from collections.abc import AsyncIterator
from typing import cast
from uuid import UUID

import asyncpg


@contextlib.asynccontextmanager
async def session_sync_lock(
    pool: asyncpg.Pool, session_id: UUID
) -> AsyncIterator[asyncpg.Connection]:
    """One session's sync requests (pulls, pushes) run one at a time, whichever process gets
    them: each reads and writes what the session holds. Yields the locked connection."""
    key = f"sync-session:{session_id}"
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", key)
        try:
            yield cast(asyncpg.Connection, conn)  # a pool proxy forwards every Connection method
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)

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
    async with pool.acquire() as conn:
        locked = cast(asyncpg.Connection, conn)  # a pool proxy forwards every Connection method
        async with _held(locked, f"sync-session:{session_id}"):
            yield locked


@contextlib.asynccontextmanager
async def household_push_lock(conn: asyncpg.Connection, owner_id: UUID) -> AsyncIterator[None]:
    """A household's pushes run one at a time (taken inside the session's lock, on its
    connection): every operation id is processed once, whichever device sends it first."""
    async with _held(conn, f"sync-household:{owner_id}"):
        yield


@contextlib.asynccontextmanager
async def _held(conn: asyncpg.Connection, key: str) -> AsyncIterator[None]:
    await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", key)
    try:
        yield
    finally:
        await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)

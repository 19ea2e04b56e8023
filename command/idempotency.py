"""Idempotency-Key (API.md 1.4): the first response is stored with the command's events.

The key row rides on the command's unit of work (`Pending`, the rider KeyedCommands hands
it), rendered from the aggregate being saved, so "applied" and "remembered" commit together:
a retry after a crash or a lost response replays the stored answer and never applies twice.
A session advisory lock per key turns a concurrent duplicate into 409
idempotency_in_progress.
"""

import contextlib
import hashlib
import json
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from events.store import SideWrite
from wire.problems import Problem

RETENTION_HOURS = 48  # API.md asks for at least 24
SWEEP_PROBABILITY = 0.01


@dataclass(frozen=True)
class Stored:
    fingerprint: bytes
    status: int
    body: Any


@dataclass
class Pending:
    """The record a command will save with its events, once it knows its aggregate."""

    scope: str
    key: str
    fingerprint: bytes
    status: int
    render: Callable[[Any], Any]
    body: Any = field(default=None)
    saved: bool = False  # the record committed with the events

    def committed(self, saved: tuple[Any, ...]) -> None:  # noqa: ARG002 - the hook's signature
        self.saved = True

    def writes(self, saved: tuple[Any, ...]) -> list[SideWrite]:
        if not saved or self.saved:  # remembered with the first save that committed
            return []
        self.body = self.render(saved[0])
        return [
            SideWrite(
                "INSERT INTO idempotency_keys (scope, key, fingerprint, status, body) "
                "VALUES (%s, %s, %s, %s, %s::jsonb)",
                (self.scope, self.key, self.fingerprint, self.status, json.dumps(self.body)),
            )
        ]


def fingerprint(method: str, path: str, body: bytes) -> bytes:
    """Same method, path and JSON (whatever its spacing or key order) = same request."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.decode("latin-1")
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).digest()


class IdempotencyKeys:
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def remember(
        self, scope: str, key: str, request_print: bytes, status: int, body: Any
    ) -> None:
        """An answer that no event transaction carried (a refusal, or a sync push)."""
        await self._pool.execute(
            "INSERT INTO idempotency_keys (scope, key, fingerprint, status, body) "
            "VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING",
            scope,
            key,
            request_print,
            status,
            json.dumps(body),
        )

    @contextlib.asynccontextmanager
    async def exclusive(self, scope: str, key: str) -> AsyncIterator[Stored | None]:
        """Hold the key for this request and yield what was stored under it, if anything."""
        async with self._pool.acquire() as conn:
            lock = f"{scope}\n{key}"
            if not await conn.fetchval(
                "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", lock
            ):
                raise Problem(
                    409,
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is still being processed",
                )
            try:
                row = await conn.fetchrow(
                    "SELECT fingerprint, status, body FROM idempotency_keys "
                    "WHERE scope = $1 AND key = $2",
                    scope,
                    key,
                )
                yield (
                    Stored(row["fingerprint"], row["status"], json.loads(row["body"]))
                    if row
                    else None
                )
            finally:
                await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", lock)
                if random.random() < SWEEP_PROBABILITY:
                    await conn.execute(
                        "DELETE FROM idempotency_keys "
                        "WHERE created_at < now() - make_interval(hours => $1)",
                        RETENTION_HOURS,
                    )

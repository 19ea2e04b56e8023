"""Revoked sessions, known to every API process within moments and without a database round
trip per request: access tokens of a revoked session stop working at once, not when they
expire (API.md 1.2). A trigger NOTIFYs each revocation (migration 0011); each process keeps
the sessions revoked within an access token's lifetime in memory and reloads them after a
reconnection, so a notification missed meanwhile is not lost."""

import time
import uuid
from datetime import timedelta

import asyncpg

from infra.listener import Listener

REVOKED_CHANNEL = "vitaltrack_revoked"


class Revocations:
    def __init__(self, pool: asyncpg.Pool, listener: Listener, token_lifetime: timedelta):
        self._pool = pool
        self._keep = token_lifetime.total_seconds() + 60  # a token lives no longer than this
        self._revoked: dict[uuid.UUID, float] = {}  # session -> when this process heard of it
        self._pruned_at = time.monotonic()
        listener.subscribe(REVOKED_CHANNEL, self._on_notify, self.resync)

    def is_revoked(self, session_id: uuid.UUID) -> bool:
        return session_id in self._revoked

    async def resync(self) -> None:
        rows = await self._pool.fetch(
            "SELECT id FROM auth_sessions WHERE revoked_at > now() - make_interval(secs => $1)",
            self._keep,
        )
        now = time.monotonic()
        for row in rows:
            self._revoked.setdefault(row["id"], now)
        self._forget_expired(now)

    def _on_notify(self, payload: str) -> None:
        now = time.monotonic()
        self._revoked[uuid.UUID(payload)] = now
        self._forget_expired(now)

    def _forget_expired(self, now: float) -> None:
        """Tokens of sessions revoked longer ago than a token lives have expired anyway
        (checked at most once a minute: the set stays small and the check cheap)."""
        if now - self._pruned_at > 60:
            self._revoked = {s: t for s, t in self._revoked.items() if now - t < self._keep}
            self._pruned_at = now

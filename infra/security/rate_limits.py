"""Sliding-window rate limits kept in Postgres, so every API replica shares them."""

import math
import random
import re
from dataclasses import dataclass

import asyncpg

from infra.settings import Settings
from wire.problems import Problem

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
SWEEP_PROBABILITY = 0.01  # the longest window is a day; older hits are swept now and then
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Limit:
    count: int
    window_seconds: int

    @classmethod
    def parse(cls, spec: str) -> "Limit":
        match = _SPEC.match(spec)
        if not match:
            raise ValueError(f"rate limit {spec!r} is not like '5/minute'")
        return cls(int(match[1]), _UNITS[match[2]])


class RateLimiter:
    """Counts attempts per client address and per account identifier."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings):
        self._pool = pool
        self._enabled = settings.rate_limit_enabled
        self._limits = {
            "login": Limit.parse(settings.rate_limit_login),
            "login_account": Limit.parse(settings.rate_limit_login_account),
            "register": Limit.parse(settings.rate_limit_register),
            "forgot_password": Limit.parse(settings.rate_limit_forgot_password),
            "reset_password": Limit.parse(settings.rate_limit_reset_password),
            "resend_verification": Limit.parse(settings.rate_limit_resend_verification),
        }

    async def hit(self, action: str, client: str, account: str | None = None) -> None:
        """Record an attempt, or raise 429 with Retry-After if a window is full.

        Logins count per address and per account *from that address*, so guessing someone's
        password locks out the guesser, not the owner; a slower limit per account alone
        still caps a guesser who rotates addresses. Other actions count per account (a mail
        sent to its address each time) as well as per address.
        """
        if not self._enabled:
            return
        limit = self._limits[action]
        buckets = [(f"{action}:client:{client}", limit)]
        if account:
            who = account.strip().lower()
            if action == "login":
                buckets.append((f"login:account:{who}:client:{client}", limit))
                buckets.append((f"login:account:{who}", self._limits["login_account"]))
            else:
                buckets.append((f"{action}:account:{who}", limit))
        for bucket, bucket_limit in buckets:
            retry_after = await self._hit(bucket, bucket_limit)
            if retry_after is not None:
                raise Problem(
                    429,
                    "rate_limited",
                    "Too many attempts. Please try again later.",
                    {"Retry-After": str(retry_after)},
                    retryAfter=retry_after,
                )

    async def _hit(self, bucket: str, limit: Limit) -> int | None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", bucket)
            await conn.execute(
                "DELETE FROM rate_limit_hits WHERE bucket = $1 "
                "AND hit_at <= clock_timestamp() - make_interval(secs => $2)",
                bucket,
                limit.window_seconds,
            )
            row = await conn.fetchrow(
                "SELECT count(*), extract(epoch FROM min(hit_at) + make_interval(secs => $2) "
                "- clock_timestamp()) FROM rate_limit_hits WHERE bucket = $1",
                bucket,
                limit.window_seconds,
            )
            assert row is not None
            count, wait = row
            if count >= limit.count:
                return max(1, math.ceil(float(wait)))
            await conn.execute("INSERT INTO rate_limit_hits (bucket) VALUES ($1)", bucket)
        if random.random() < SWEEP_PROBABILITY:  # buckets never hit again would linger
            await self._pool.execute(
                "DELETE FROM rate_limit_hits WHERE hit_at < clock_timestamp() - interval '1 day'"
            )
        return None

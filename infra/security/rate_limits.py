"""Sliding-window rate limits kept in Postgres, so every API replica shares them.

A bucket is named after an action and a subject: a client address (IPv6 by its /64, which
one subscriber gets whole), an account id (never the identifier typed: an account's email
and username share its buckets), a session, or a target address (by its index id, so no
address is kept in this table)."""

import hashlib
import ipaddress
import math
import random
import re
import uuid
from dataclasses import dataclass

import asyncpg

from infra.settings import Settings
from wire.problems import Problem

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
SWEEP_PROBABILITY = 0.01  # the longest window is a day; older hits are swept now and then
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*$")
ACTIONS = (
    "login",
    "login_account",
    "register",
    "forgot_password",
    "reset_password",
    "resend_verification",
    "profile",
    "email_change",
    "password_check",
)


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


def by_client(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"client:{address}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"client:{ip.ipv4_mapped}"
        return f"client:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"client:{ip}"


def by_account(account: uuid.UUID) -> str:
    return f"account:{account}"


def by_session(session: uuid.UUID) -> str:
    return f"session:{session}"


def by_address(email: str) -> str:
    """A target email address, by a digest: the table keeps no address."""
    return f"address:{hashlib.sha256(email.encode()).hexdigest()[:32]}"


def too_many(retry_after: int) -> Problem:
    return Problem(
        429,
        "rate_limited",
        "Too many attempts. Please try again later.",
        {"Retry-After": str(retry_after)},
        retryAfter=retry_after,
    )


class RateLimiter:
    """Counts attempts per subject; the login guard (login_guard.py) counts failures."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings):
        self.pool = pool
        self.enabled = settings.rate_limit_enabled
        self.limits = {a: Limit.parse(getattr(settings, f"rate_limit_{a}")) for a in ACTIONS}

    def cap(self, action: str) -> Limit | None:
        """The action's limit, for counting what it sends (None when limits are off)."""
        return self.limits[action] if self.enabled else None

    async def hit(self, action: str, *subjects: str) -> None:
        """Record an attempt against each subject (by_client, by_account, ...), or raise 429
        with Retry-After if one of their windows is full."""
        if not self.enabled:
            return
        limit = self.limits[action]
        for subject in subjects:
            retry_after = await self._hit(f"{action}:{subject}", limit)
            if retry_after is not None:
                raise too_many(retry_after)

    async def _hit(self, bucket: str, limit: Limit) -> int | None:
        async with self.pool.acquire() as conn, conn.transaction():
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
        await self.sweep()
        return None

    async def sweep(self) -> None:
        if random.random() < SWEEP_PROBABILITY:  # buckets never hit again would linger
            await self.pool.execute(
                "DELETE FROM rate_limit_hits WHERE hit_at < clock_timestamp() - interval '1 day'"
            )

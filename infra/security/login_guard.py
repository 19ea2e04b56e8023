"""Password guessing against one account, slowed without locking its owner out.

Every sign-in counts against its client address (`login`, API.md 1.6). Failed passwords
also count against the account, whatever the address (`login_account`; keyed by the account
id, so its email and username are one bucket). When that count is full the account is
*guarded*: an address that failed for it within the window is refused (429) before its
password is checked, and a wrong password from any address answers 429 too (it marks that
address). A correct password from an address with no recent failure for the account still
signs in: strangers cannot lock the owner out, while each guessing address gets one guess an
hour at a guarded account and a single address no more than `login` allows."""

import math
import uuid

from infra.security.rate_limits import RateLimiter, by_client, too_many


class LoginGuard:
    def __init__(self, limiter: RateLimiter):
        self._limiter = limiter

    def _buckets(self, account: uuid.UUID, client: str) -> tuple[str, str]:
        everywhere = f"login_failed:account:{account}"
        return everywhere, f"{everywhere}:{by_client(client)}"

    async def admit(self, account: uuid.UUID, client: str) -> bool:
        """Whether the account is guarded (False: it is not); 429 for an address that failed
        for a guarded account within the window."""
        if not self._limiter.enabled:
            return False
        limit = self._limiter.limits["login_account"]
        everywhere, here = self._buckets(account, client)
        row = await self._limiter.pool.fetchrow(
            "SELECT count(*) FILTER (WHERE bucket = $1) AS failures, extract(epoch FROM "
            "max(hit_at) FILTER (WHERE bucket = $2) + make_interval(secs => $3) "
            "- clock_timestamp()) AS wait FROM rate_limit_hits WHERE bucket IN ($1, $2) "
            "AND hit_at > clock_timestamp() - make_interval(secs => $3)",
            everywhere,
            here,
            limit.window_seconds,
        )
        assert row is not None
        if row["failures"] < limit.count:
            return False
        if row["wait"] is not None:
            raise too_many(max(1, math.ceil(float(row["wait"]))))
        return True

    async def failed(self, account: uuid.UUID, client: str, guarded: bool) -> None:
        """Count a wrong password; under guard it answers 429, like a refused address."""
        if not self._limiter.enabled:
            return
        await self._limiter.pool.execute(
            "INSERT INTO rate_limit_hits (bucket) SELECT unnest($1::text[])",
            list(self._buckets(account, client)),
        )
        await self._limiter.sweep()
        if guarded:
            raise too_many(self._limiter.limits["login_account"].window_seconds)

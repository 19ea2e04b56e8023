"""Who may act on which household, with what role (API.md 12), known to every API process
without a database round trip per request: each process caches the roles it looked up, and
a trigger on `household_members` (migration 0017) NOTIFYs every change, which drops the
cached entry on every process at once (a removed caregiver's next request is refused)."""

import uuid

import asyncpg

from infra.listener import Listener

MEMBERSHIP_CHANNEL = "vitaltrack_membership"
MAX_CACHED = 100_000

Key = tuple[uuid.UUID, uuid.UUID]  # household, account


class Memberships:
    def __init__(self, pool: asyncpg.Pool, listener: Listener):
        self._pool = pool
        self._roles: dict[Key, str | None] = {}
        self._changes = 0  # notifications heard: a lookup that overlapped one is not cached
        listener.subscribe(MEMBERSHIP_CHANNEL, self._on_notify, self.resync)

    async def role(self, household_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
        """The account's role in the household; None if it is not a member."""
        key = (household_id, user_id)
        if key in self._roles:
            return self._roles[key]
        heard = self._changes
        role: str | None = await self._pool.fetchval(
            "SELECT role FROM household_members WHERE household_id = $1 AND user_id = $2",
            household_id,
            user_id,
        )
        if heard == self._changes:
            if len(self._roles) >= MAX_CACHED:
                self._roles.clear()
            self._roles[key] = role
        return role

    async def resync(self) -> None:
        """After a reconnection, notifications may have been missed: forget everything."""
        self._changes += 1
        self._roles.clear()

    def _on_notify(self, payload: str) -> None:
        household, _, user = payload.partition(":")
        self._changes += 1
        self._roles.pop((uuid.UUID(household), uuid.UUID(user)), None)

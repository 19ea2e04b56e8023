"""Erasing an account (API.md 3.1, with households: 12), in ONE transaction.

- An account that owns a household with other members cannot go: ownership is transferred
  first (409).
- A household whose last member it is goes whole: its events and snapshots, its read rows
  (the projections drop them on the AccountErased record) and every operational row.
- From every other household it only leaves: the changes it made stay, attributed to a
  "Former member" (its account row is gone, its id means nothing any more).
- Its personal data goes everywhere: its User events, the indexes holding its email and
  username, its credentials, sessions (revoked at once on every process), tokens, mail,
  idempotency records and rate-limit buckets.
A record without personal data (ids, how) remains for the operator.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from command.accounts.services import AccountServices
from command.accounts.tables import InvalidOneTimeToken, load_user
from command.households.loading import load_household
from command.households.tables import household_written
from command.unit_of_work import UnitOfWork, transaction
from events.erasure import ERASED_CHANNEL, AccountErased
from events.household import OWNER, OwnerMustTransfer
from events.store import SideWrite

# Matched in the JSON the library stores (owner_id as {"_data_": hex}).
_OWNER = "convert_from(state, 'UTF8')::json -> 'owner_id' ->> '_data_' = %s"
_IDENTITY = "coalesce(convert_from(state, 'UTF8')::json ->> 'key', '') LIKE 'users/%%'"
# Every event of a household (its aggregates carry `owner_id`), but its founder's identity:
# the indexes holding an email or username name their account as owner too.
HOUSEHOLD_ROWS = f"({_OWNER} AND NOT {_IDENTITY})"
# The account's identity: its User, and the indexes that held its email or username.
PERSONAL_ROWS = f"(originator_id = %s OR ({_OWNER} AND {_IDENTITY}))"


@dataclass(frozen=True)
class Membership:
    household_id: UUID
    role: str
    members: int
    name: str


def erase(
    uow: UnitOfWork,
    svc: AccountServices,
    user_id: UUID,
    via: str,
    first: tuple[SideWrite, ...] = (),
) -> int:
    user = load_user(uow, user_id, InvalidOneTimeToken)
    memberships = may_go(uow, user_id)
    gone = [m.household_id for m in memberships if m.members == 1]
    left = [load_household(uow, m.household_id) for m in memberships if m.members > 1]
    writes = [*first, svc.sessions.revoke_all(user_id)]
    for household in left:
        household.remove(user_id, by=user_id, erased=True)
        writes += household_written(household)
    for household_id in gone:
        writes += _household_rows(household_id)
    writes += _personal_rows(user_id, [a for a in (user.email, user.pending_email) if a])
    records = [
        AccountErased(owner_id=user_id, via=via, household_erased=user_id in gone),
        *(AccountErased(owner_id=h, via=via, account_erased=False) for h in gone if h != user_id),
    ]
    writes += [SideWrite("SELECT pg_notify(%s, %s)", (ERASED_CHANNEL, str(user_id)))]
    uow.actor = None  # the member's changes keep their author; its erasure has none
    position = uow.commit(*left, *records, writes=writes)
    uow.store.forget_cached()  # every process does on the NOTIFY: no stale aggregate (an index!)
    return position


def may_go(uow: UnitOfWork, user_id: UUID) -> list[Membership]:
    """The account's memberships, unless it owns a household with other members (409: it
    transfers the ownership first; API.md 12)."""
    memberships = memberships_of(uow, user_id)
    for m in memberships:
        if m.role == OWNER and m.members > 1:
            raise OwnerMustTransfer(f"Transfer the ownership of '{m.name}' to a member first")
    return memberships


def memberships_of(uow: UnitOfWork, user_id: UUID) -> list[Membership]:
    with transaction(uow.store) as curs:
        curs.execute(
            "SELECT m.household_id, m.role, h.name, "
            "(SELECT count(*) FROM household_members o WHERE o.household_id = m.household_id) "
            "AS members FROM household_members m JOIN households h ON h.id = m.household_id "
            "WHERE m.user_id = %s",
            (user_id,),
        )
        rows: list[dict[str, Any]] = curs.fetchall()
    return [Membership(r["household_id"], r["role"], r["members"], r["name"]) for r in rows]


def _household_rows(household_id: UUID) -> list[SideWrite]:
    """A household erased whole: its events and every row about it."""
    owned = (household_id.hex,)
    return [
        SideWrite(f"DELETE FROM vitaltrack_snapshots WHERE {HOUSEHOLD_ROWS}", owned),
        SideWrite(f"DELETE FROM vitaltrack_events WHERE {HOUSEHOLD_ROWS}", owned),
        _delete(
            "item_memberships",
            "category_id IN (SELECT id FROM live_categories WHERE owner_id = %s)",
            household_id,
        ),
        _delete("live_categories", "owner_id = %s", household_id),
        _delete("sync_sessions", "owner_id = %s", household_id),
        _delete("sync_operations", "owner_id = %s", household_id),
        _delete("sync_local_ids", "owner_id = %s", household_id),
        _delete("households", "id = %s", household_id),  # members, invitations: cascade
        _delete("household_defaults", "household_id = %s", household_id),
        _delete("daily_digests", "household_id = %s", household_id),
    ]


def _personal_rows(user_id: UUID, addresses: list[str]) -> list[SideWrite]:
    """Mail goes by the account it was queued for (every address it ever had), and by its
    addresses (rows queued before the outbox named accounts); rate-limit buckets name it."""
    personal = (user_id, user_id.hex)
    return [
        SideWrite(f"DELETE FROM vitaltrack_snapshots WHERE {PERSONAL_ROWS}", personal),
        SideWrite(f"DELETE FROM vitaltrack_events WHERE {PERSONAL_ROWS}", personal),
        _delete(
            "auth_refresh_tokens",
            "session_id IN (SELECT id FROM auth_sessions WHERE user_id = %s)",
            user_id,
        ),
        _delete("auth_credentials", "user_id = %s", user_id),
        _delete("auth_one_time_tokens", "user_id = %s", user_id),
        SideWrite(
            "DELETE FROM email_outbox WHERE account_id = %s OR recipient = ANY(%s)",
            (user_id, addresses),
        ),
        _delete("idempotency_keys", "scope = %s", f"user:{user_id}"),
        _delete("rate_limit_hits", "bucket LIKE %s", f"%:account:{user_id}%"),
        _delete("household_defaults", "user_id = %s", user_id),
        _delete("household_invitations", "email = ANY(%s)", addresses),
        _delete("daily_digests", "user_id = %s", user_id),
    ]


def _delete(table: str, where: str, value: object) -> SideWrite:
    return SideWrite(f"DELETE FROM {table} WHERE {where}", (value,))

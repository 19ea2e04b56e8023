"""A household as the API shows it (API.md 12), from the households mirror and the users
read table: members with their names, open invitations (for the owner)."""

from typing import Any
from uuid import UUID

import asyncpg

from wire.households import (
    FORMER_MEMBER,
    HouseholdOut,
    HouseholdsOut,
    HouseholdSummary,
    InvitationOut,
    MemberOut,
    Person,
)

_MEMBERS = (
    "SELECT m.user_id, coalesce(u.name, $2) AS name, u.email, m.role, m.joined_at "
    "FROM household_members m LEFT JOIN users u ON u.id = m.user_id "
    "WHERE m.household_id = $1 ORDER BY m.joined_at, m.user_id"
)
_INVITATIONS = (
    # the inviter's id and name; once its account is erased, null and "Former member"
    "SELECT i.id, i.email, i.role, u.id AS invited_by, coalesce(u.name, $2) AS inviter, "
    "i.expires_at "
    "FROM household_invitations i LEFT JOIN users u ON u.id = i.invited_by "
    "WHERE i.household_id = $1 AND i.expires_at > now() ORDER BY i.created_at, i.id"
)


async def households_of(pool: asyncpg.Pool, user_id: UUID, current: UUID) -> HouseholdsOut:
    rows = await pool.fetch(
        "SELECT h.id, h.name, m.role, "
        "(SELECT count(*) FROM household_members o WHERE o.household_id = h.id) AS member_count, "
        "h.id = (SELECT coalesce("
        "(SELECT d.household_id FROM household_defaults d JOIN household_members dm "
        "ON dm.household_id = d.household_id AND dm.user_id = d.user_id WHERE d.user_id = $1), "
        "(SELECT household_id FROM household_members WHERE user_id = $1 "
        "ORDER BY joined_at DESC LIMIT 1))) AS is_default "
        "FROM household_members m JOIN households h ON h.id = m.household_id "
        "WHERE m.user_id = $1 ORDER BY m.joined_at, h.id",
        user_id,
    )
    return HouseholdsOut(
        households=[HouseholdSummary(**dict(r), is_current=r["id"] == current) for r in rows]
    )


async def household_view(pool: asyncpg.Pool, household_id: UUID, user_id: UUID) -> HouseholdOut:
    """The household as `user_id` (a member) sees it."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        row = await conn.fetchrow(
            "SELECT h.*, m.role FROM households h JOIN household_members m "
            "ON m.household_id = h.id AND m.user_id = $2 WHERE h.id = $1",
            household_id,
            user_id,
        )
        assert row is not None  # the caller's membership was checked at the edge
        members = await conn.fetch(_MEMBERS, household_id, FORMER_MEMBER)
        invitations = []
        if row["role"] == "owner":
            invitations = await conn.fetch(_INVITATIONS, household_id, FORMER_MEMBER)
    return HouseholdOut(
        **{k: row[k] for k in ("id", "name", "time_zone", "lead_time_days", "cover_days")},
        role=row["role"],
        members=[MemberOut(**dict(m)) for m in members],
        invitations=[_invitation(i) for i in invitations],
        version=row["version"],
        created_at=row["created_at"],
    )


async def invitation_view(pool: asyncpg.Pool, invitation_id: UUID) -> InvitationOut:
    row = await pool.fetchrow(
        _INVITATIONS.replace("i.household_id = $1", "i.id = $1"), invitation_id, FORMER_MEMBER
    )
    assert row is not None  # just made
    return _invitation(row)


def _invitation(row: Any) -> InvitationOut:
    inviter = Person(user_id=row["invited_by"], name=row["inviter"])
    return InvitationOut(
        id=row["id"],
        email=row["email"],
        role=row["role"],
        invited_by=inviter,
        expires_at=row["expires_at"],
    )

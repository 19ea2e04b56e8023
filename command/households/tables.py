"""The write-side mirror of households (migration 0017): rows written with the Household
events they follow, so who belongs where is in force the moment it commits."""

from typing import Any
from uuid import UUID

from command.unit_of_work import transaction
from events.household import Household, HouseholdSettings, Invitation
from events.store import SideWrite, Store


def default_household(store: Store, user_id: UUID) -> UUID:
    """The household an account signs in to: the one it chose (if still a member), else the
    one it joined last (registration counts as joining), else its own."""
    with transaction(store) as curs:
        curs.execute(
            "SELECT coalesce("
            "(SELECT d.household_id FROM household_defaults d JOIN household_members m "
            "ON m.household_id = d.household_id AND m.user_id = d.user_id WHERE d.user_id = %s), "
            "(SELECT household_id FROM household_members WHERE user_id = %s "
            "ORDER BY joined_at DESC LIMIT 1), %s) AS household",
            (user_id, user_id, user_id),
        )
        found: UUID = curs.fetchone()["household"]
        return found


def settings_row(store: Store, household_id: UUID) -> tuple[HouseholdSettings, int] | None:
    """A household's settings and version as the mirror has them (None: no such household)."""
    with transaction(store) as curs:
        curs.execute(
            "SELECT name, time_zone, lead_time_days, cover_days, version FROM households "
            "WHERE id = %s",
            (household_id,),
        )
        row = curs.fetchone()
    if row is None:
        return None
    settings = HouseholdSettings(
        row["name"], row["time_zone"], row["lead_time_days"], row["cover_days"]
    )
    return settings, row["version"]


def household_written(household: Household) -> list[SideWrite]:
    """The household's row and its members, as the aggregate now has them."""
    s, version = household.settings, int(household.version)
    members = list(household.members.items())
    return [
        SideWrite(
            "INSERT INTO households (id, name, time_zone, lead_time_days, cover_days, version) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
            "name = EXCLUDED.name, time_zone = EXCLUDED.time_zone, "
            "lead_time_days = EXCLUDED.lead_time_days, cover_days = EXCLUDED.cover_days, "
            "version = EXCLUDED.version",
            (
                household.owner_id,
                s.name,
                s.time_zone,
                s.lead_time_days,
                s.cover_days,
                version,
            ),
        ),
        SideWrite(
            "DELETE FROM household_members WHERE household_id = %s AND NOT user_id = ANY(%s)",
            (household.owner_id, [user for user, _ in members]),
        ),
        SideWrite(
            "INSERT INTO household_members (household_id, user_id, role) "
            "SELECT %s, * FROM unnest(%s::uuid[], %s::text[]) ON CONFLICT (household_id, user_id) "
            "DO UPDATE SET role = EXCLUDED.role "
            "WHERE household_members.role IS DISTINCT FROM EXCLUDED.role",
            (household.owner_id, [user for user, _ in members], [role for _, role in members]),
        ),
    ]


def invitation_written(household_id: UUID, invitation: Invitation, token_hash: bytes) -> list[Any]:
    """The open invitation, replacing an earlier one to the same address."""
    return [
        SideWrite(
            "DELETE FROM household_invitations WHERE household_id = %s AND email = %s",
            (household_id, invitation.email),
        ),
        SideWrite(
            "INSERT INTO household_invitations "
            "(id, household_id, email, role, invited_by, token_hash, expires_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                invitation.id,
                household_id,
                invitation.email,
                invitation.role,
                invitation.invited_by,
                token_hash,
                invitation.expires_at,
            ),
        ),
    ]


def invitation_closed(invitation_id: UUID) -> SideWrite:
    return SideWrite("DELETE FROM household_invitations WHERE id = %s", (invitation_id,))


def invitation_of(store: Store, token_hash: bytes) -> dict[str, Any] | None:
    """The open, unexpired invitation a token stands for."""
    with transaction(store) as curs:
        curs.execute(
            "SELECT i.id, i.household_id, i.email, i.role, i.invited_by, i.expires_at, "
            "h.name AS household_name FROM household_invitations i "
            "JOIN households h ON h.id = i.household_id "
            "WHERE i.token_hash = %s AND i.expires_at > now()",
            (token_hash,),
        )
        row: dict[str, Any] | None = curs.fetchone()
        return row


def households_of(store: Store, user_id: UUID) -> int:
    """How many households the account belongs to."""
    with transaction(store) as curs:
        curs.execute("SELECT count(*) AS n FROM household_members WHERE user_id = %s", (user_id,))
        count: int = curs.fetchone()["n"]
        return count


def default_set(user_id: UUID, household_id: UUID) -> SideWrite:
    return SideWrite(
        "INSERT INTO household_defaults (user_id, household_id) VALUES (%s, %s) "
        "ON CONFLICT (user_id) DO UPDATE SET household_id = EXCLUDED.household_id",
        (user_id, household_id),
    )

"""Household commands (API.md 12): settings, invitations, members, the default household.
Each loads the household, calls one method, and saves it with its mirrored rows."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from command.households.loading import load_household
from command.households.tables import (
    default_set,
    household_written,
    households_of,
    invitation_closed,
    invitation_written,
)
from command.preconditions import check_version
from command.results import Saved
from command.retry import retry_on_conflict
from command.uniqueness import holder
from command.unit_of_work import UnitOfWork
from events.household import (
    MAX_HOUSEHOLDS,
    AlreadyMember,
    Household,
    HouseholdSettings,
    Invitation,
    NotMember,
    TooManyHouseholds,
)
from events.index import email_key
from events.store import SideWrite
from infra.mail import messages
from infra.security.opaque import TokenHasher, new_token

INVITATION_LIFETIME = timedelta(days=7)


@dataclass(frozen=True, kw_only=True)
class ChangeSettings:
    household_id: UUID
    name: str | None = None
    time_zone: str | None = None
    lead_time_days: int | None = None
    cover_days: int | None = None
    expected_version: int | None = None


@dataclass(frozen=True, kw_only=True)
class Invite:
    household_id: UUID
    invited_by: UUID
    inviter_name: str
    email: str
    role: str


@dataclass(frozen=True, kw_only=True)
class ChangeRole:
    household_id: UUID
    user_id: UUID
    role: str


@dataclass(frozen=True, kw_only=True)
class RemoveMember:
    household_id: UUID
    user_id: UUID
    by: UUID


@dataclass(frozen=True, kw_only=True)
class Join:
    household_id: UUID
    invitation_id: UUID
    user_id: UUID


@dataclass(frozen=True)
class Invited:
    household: Household
    invitation: Invitation
    position: int

    @property
    def aggregate(self) -> Household:
        return self.household


@retry_on_conflict
def change_settings(uow: UnitOfWork, cmd: ChangeSettings) -> Saved[Household]:
    household = load_household(uow, cmd.household_id)
    check_version(household, cmd.expected_version)
    now = household.settings
    wanted = HouseholdSettings(
        name=cmd.name if cmd.name is not None else now.name,
        time_zone=cmd.time_zone if cmd.time_zone is not None else now.time_zone,
        lead_time_days=cmd.lead_time_days if cmd.lead_time_days is not None else now.lead_time_days,
        cover_days=cmd.cover_days if cmd.cover_days is not None else now.cover_days,
    )
    if not household.change_settings(wanted):
        return Saved(household, 0)
    return Saved(household, uow.commit(household, writes=household_written(household)))


@retry_on_conflict
def invite(uow: UnitOfWork, hasher: TokenHasher, base_url: str, cmd: Invite) -> Invited:
    """A new invitation replaces an open one to the same address; its link is mailed."""
    household = load_household(uow, cmd.household_id)
    if holder(uow, email_key(cmd.email)) in household.members:
        raise AlreadyMember(cmd.email)
    now = datetime.now(UTC)
    invitation = Invitation(
        id=uuid4(),
        email=cmd.email,
        role=cmd.role,
        invited_by=cmd.invited_by,
        expires_at=now + INVITATION_LIFETIME,
    )
    household.invite(invitation, now)
    token = new_token()
    mail = messages.invitation(
        base_url, cmd.invited_by, cmd.email, household.settings.name, cmd.inviter_name, token
    )
    writes: list[SideWrite] = [
        *household_written(household),
        *invitation_written(household.owner_id, invitation, hasher(token)),
        mail,
    ]
    return Invited(household, invitation, uow.commit(household, writes=writes))


@retry_on_conflict
def revoke_invitation(uow: UnitOfWork, household_id: UUID, invitation_id: UUID) -> Saved[Household]:
    household = load_household(uow, household_id)
    household.revoke_invitation(invitation_id)
    writes = [*household_written(household), invitation_closed(invitation_id)]
    return Saved(household, uow.commit(household, writes=writes))


@retry_on_conflict
def join(uow: UnitOfWork, cmd: Join) -> Saved[Household]:
    """The account joins with the invited role; the household becomes its default."""
    household = load_household(uow, cmd.household_id)
    household.join(cmd.user_id, cmd.invitation_id)
    # A soft cap: two joins of one account at the same moment may pass it by one.
    if households_of(uow.store, cmd.user_id) >= MAX_HOUSEHOLDS:
        raise TooManyHouseholds(cmd.user_id)
    writes = [
        *household_written(household),
        invitation_closed(cmd.invitation_id),
        default_set(cmd.user_id, household.owner_id),
    ]
    return Saved(household, uow.commit(household, writes=writes))


@retry_on_conflict
def change_role(uow: UnitOfWork, cmd: ChangeRole) -> Saved[Household]:
    household = load_household(uow, cmd.household_id)
    if not household.change_role(cmd.user_id, cmd.role):
        return Saved(household, 0)
    return Saved(household, uow.commit(household, writes=household_written(household)))


@retry_on_conflict
def remove_member(uow: UnitOfWork, cmd: RemoveMember) -> Saved[Household]:
    """A member removed (or leaving): its sessions lose this household at once (the rows'
    NOTIFY), and its default falls back to the household it founded."""
    household = load_household(uow, cmd.household_id)
    household.remove(cmd.user_id, by=cmd.by)
    writes = [
        *household_written(household),
        SideWrite(
            "DELETE FROM household_defaults WHERE user_id = %s AND household_id = %s",
            (cmd.user_id, household.owner_id),
        ),
    ]
    return Saved(household, uow.commit(household, writes=writes))


def set_default(uow: UnitOfWork, user_id: UUID, household_id: UUID) -> Saved[Household]:
    """The household the account signs in to from now on (a member's only)."""
    household = load_household(uow, household_id)
    if user_id not in household.members:
        raise NotMember(user_id)
    uow.commit(writes=[default_set(user_id, household_id)])
    return Saved(household, 0)

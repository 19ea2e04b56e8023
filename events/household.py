"""The Household aggregate: the unit of data (API.md 12) and who may act on it, with what role.

A household's id is its founder's user id: every event, read row, feed entry and sync
session that named "the owner" before revision 3 names the household now, unchanged (no
stored event is rewritten). The aggregate itself has an id of its own, derived from the
household's (a user already has the founder's id). It is founded with the account; for
accounts from before revision 3, on the first change to their household.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from events.attribution import Attributed

OWNER, CAREGIVER, VIEWER = "owner", "caregiver", "viewer"
ROLES = (OWNER, CAREGIVER, VIEWER)
MAX_MEMBERS = 20
MAX_OPEN_INVITATIONS = 20
MAX_INVITATIONS_A_DAY = 20
MAX_HOUSEHOLDS = 20  # per account


@dataclass(frozen=True)
class HouseholdSettings:
    name: str
    time_zone: str = "UTC"  # IANA name: "today" for forecasts and the digest
    lead_time_days: int = 3  # from ordering to delivery
    cover_days: int = 30  # what an order should cover


@dataclass(frozen=True)
class Invitation:
    id: UUID
    email: str
    role: str
    invited_by: UUID
    expires_at: datetime


def household_name(founder_name: str) -> str:
    return f"{founder_name}'s household"


class Household(Aggregate):
    class Event(Attributed, Aggregate.Event):
        owner_id: UUID  # the household's id, as on every event of its data

    class Founded(Event, Aggregate.Created):
        founder_id: UUID
        settings: HouseholdSettings

    def __init__(self, owner_id: UUID, founder_id: UUID, settings: HouseholdSettings):
        self.owner_id = owner_id
        self.settings = settings
        self.members: dict[UUID, str] = {founder_id: OWNER}  # user id -> role
        self.invitations: dict[UUID, Invitation] = {}  # open ones, by id
        self.invited_at: list[datetime] = []  # when each invitation of the last day was made

    @staticmethod
    def create_id(owner_id: UUID) -> UUID:
        """From the household's id (the library passes `owner_id` as __init__ names it)."""
        return uuid5(NAMESPACE_URL, f"/vitaltrack/households/{owner_id}")

    class SettingsChanged(Event):
        settings: HouseholdSettings

        def apply(self, aggregate: "Household") -> None:
            aggregate.settings = self.settings

    def change_settings(self, settings: HouseholdSettings) -> bool:
        if settings == self.settings:
            return False
        self.trigger_event(self.SettingsChanged, owner_id=self.owner_id, settings=settings)
        return True

    class Invited(Event):
        invitation: Invitation

        def apply(self, aggregate: "Household") -> None:
            for open_id, open_one in list(aggregate.invitations.items()):
                if open_one.email == self.invitation.email:  # a new one replaces it
                    del aggregate.invitations[open_id]
            aggregate.invitations[self.invitation.id] = self.invitation
            day_ago = self.timestamp.timestamp() - 86_400
            aggregate.invited_at = [t for t in aggregate.invited_at if t.timestamp() > day_ago] + [
                self.timestamp
            ]

    def invite(self, invitation: Invitation, now: datetime) -> None:
        self.check_can_invite(invitation, now)
        self.trigger_event(self.Invited, owner_id=self.owner_id, invitation=invitation)

    class InvitationRevoked(Event):
        invitation_id: UUID

        def apply(self, aggregate: "Household") -> None:
            aggregate.invitations.pop(self.invitation_id, None)

    def revoke_invitation(self, invitation_id: UUID) -> None:
        if invitation_id not in self.invitations:
            raise InvitationNotFound(invitation_id)
        self.trigger_event(
            self.InvitationRevoked, owner_id=self.owner_id, invitation_id=invitation_id
        )

    class MemberJoined(Event):
        user_id: UUID
        role: str
        invitation_id: UUID

        def apply(self, aggregate: "Household") -> None:
            aggregate.invitations.pop(self.invitation_id, None)
            aggregate.members[self.user_id] = self.role

    def join(self, user_id: UUID, invitation_id: UUID) -> None:
        invitation = self.invitations.get(invitation_id)
        if invitation is None:
            raise InvitationNotFound(invitation_id)
        if user_id in self.members:
            raise AlreadyMember(user_id)
        if len(self.members) >= MAX_MEMBERS:
            raise HouseholdFull(self.owner_id)
        self.trigger_event(
            self.MemberJoined,
            owner_id=self.owner_id,
            user_id=user_id,
            role=invitation.role,
            invitation_id=invitation_id,
        )

    class RoleChanged(Event):
        user_id: UUID
        role: str

        def apply(self, aggregate: "Household") -> None:
            aggregate.members[self.user_id] = self.role

    class OwnershipTransferred(Event):
        from_id: UUID
        to_id: UUID

        def apply(self, aggregate: "Household") -> None:
            aggregate.members[self.from_id] = CAREGIVER
            aggregate.members[self.to_id] = OWNER

    def change_role(self, user_id: UUID, role: str) -> bool:
        """`owner` transfers ownership: that member becomes owner, the owner a caregiver."""
        current = self.members.get(user_id)
        if current is None:
            raise NotMember(user_id)
        if role == current:
            return False
        if role == OWNER:
            self.trigger_event(
                self.OwnershipTransferred,
                owner_id=self.owner_id,
                from_id=self.owner(),
                to_id=user_id,
            )
        elif current == OWNER:
            raise OwnerMustTransfer(self.owner_id)
        else:
            self.trigger_event(self.RoleChanged, owner_id=self.owner_id, user_id=user_id, role=role)
        return True

    class MemberRemoved(Event):
        user_id: UUID
        left: bool  # the member left, rather than being removed by the owner

        def apply(self, aggregate: "Household") -> None:
            aggregate.members.pop(self.user_id, None)

    def remove(self, user_id: UUID, *, by: UUID, erased: bool = False) -> None:
        """A member leaves or is removed; the founder stays unless its account is erased
        (API.md 12: its default falls back to the household it founded)."""
        role = self.members.get(user_id)
        if role is None:
            raise NotMember(user_id)
        if role == OWNER:
            raise OwnerMustTransfer(self.owner_id)
        if user_id == self.owner_id and not erased:  # the household's id is its founder's
            raise FounderStays(user_id)
        self.trigger_event(
            self.MemberRemoved, owner_id=self.owner_id, user_id=user_id, left=by == user_id
        )

    def owner(self) -> UUID:
        return next(user for user, role in self.members.items() if role == OWNER)

    def check_can_invite(self, invitation: Invitation, now: datetime) -> None:
        day_ago = now.timestamp() - 86_400
        if sum(t.timestamp() > day_ago for t in self.invited_at) >= MAX_INVITATIONS_A_DAY:
            raise TooManyInvitations(self.owner_id)
        replaced = any(i.email == invitation.email for i in self.invitations.values())
        if not replaced and len(self.invitations) >= MAX_OPEN_INVITATIONS:
            raise TooManyOpenInvitations(self.owner_id)


class InvitationNotFound(Exception):
    """No open invitation with this id."""


class AlreadyMember(Exception):
    """The account is a member of this household already."""


class NotMember(Exception):
    """The account is not a member of this household."""


class HouseholdFull(Exception):
    """A household has at most 20 members."""


class FounderStays(Exception):
    """An account keeps the household it founded (unless the account is erased)."""


class TooManyHouseholds(Exception):
    """An account belongs to at most 20 households."""


class OwnerMustTransfer(Exception):
    """The owner cannot leave or lose the role: ownership is transferred first."""


class TooManyInvitations(Exception):
    """At most 20 invitations a day."""


class TooManyOpenInvitations(Exception):
    """At most 20 open invitations."""

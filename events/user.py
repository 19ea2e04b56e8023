"""The User aggregate: an account that owns a household's data."""

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.attribution import Attributed

PROFILE_FIELDS = ("email", "username", "name", "phone")


class User(Aggregate):
    """A registered account. Secrets (password hashes, tokens) are not events: they live in
    auth tables; the facts about them (password changed, email verified) are events.

    An email change is pending until the new address is verified: the old address stays the
    account's (sign-in, reset and deletion mail) until then. Class-level defaults: snapshots
    taken before these attributes existed load with them."""

    pending_email: str | None = None
    pending_session: UUID | None = None  # the session that asked: it survives the switch
    daily_digest: bool = True

    class Event(Attributed, Aggregate.Event):
        @property
        def owner_id(self) -> UUID:
            return self.originator_id

    class Registered(Event, Aggregate.Created):
        email: str | None
        username: str | None
        name: str
        phone: str | None

    def __init__(self, email: str | None, username: str | None, name: str, phone: str | None):
        self.email = email
        self.username = username
        self.name = name
        self.phone = phone
        self.is_active = True
        self.is_verified = False
        self.is_email_verified = False
        self.last_login: datetime | None = None
        self.updated_at = self.created_on  # profile changes only; logins do not count

    @property
    def owner_id(self) -> UUID:
        return self.id

    class LoggedIn(Event):
        """Version 2 adds `client` (the device's User-Agent) for the audit trail."""

        class_version = 2
        session_id: UUID
        client: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["client"] = None  # logins recorded before v2 did not keep it

        def apply(self, aggregate: "User") -> None:
            aggregate.last_login = self.timestamp

    class LoggedOut(Event):
        session_id: UUID

    class ProfileUpdated(Event):
        """Only the fields that changed are set. A new email address is not yet verified."""

        email: str | None
        username: str | None
        name: str | None
        phone: str | None

        def apply(self, aggregate: "User") -> None:
            for field in PROFILE_FIELDS:
                value = getattr(self, field)
                if value is not None:
                    setattr(aggregate, field, value)
            if self.email is not None:
                aggregate.is_email_verified = False
            aggregate.updated_at = self.timestamp

    class EmailChangeRequested(Event):
        email: str
        session_id: UUID

        def apply(self, aggregate: "User") -> None:
            aggregate.pending_email = self.email
            aggregate.pending_session = self.session_id

    class EmailChangeCancelled(Event):
        email: str  # the pending address dropped

        def apply(self, aggregate: "User") -> None:
            aggregate.pending_email = aggregate.pending_session = None

    class EmailChanged(Event):
        """The account's address is now `email`, proven by a link mailed to it: a verified
        pending address ("verified"), or the earlier address taken back ("undo")."""

        email: str
        via: str

        def apply(self, aggregate: "User") -> None:
            aggregate.email = self.email
            aggregate.is_email_verified = True
            aggregate.pending_email = aggregate.pending_session = None
            aggregate.updated_at = self.timestamp

    class DailyDigestChosen(Event):
        daily_digest: bool

        def apply(self, aggregate: "User") -> None:
            aggregate.daily_digest = self.daily_digest
            aggregate.updated_at = self.timestamp

    class EmailVerified(Event):
        email: str

        def apply(self, aggregate: "User") -> None:
            aggregate.is_email_verified = True
            aggregate.updated_at = self.timestamp

    class PasswordChanged(Event):
        via: str  # "change" (knew the old one) or "reset" (proved control of the email)

        def apply(self, aggregate: "User") -> None:
            aggregate.updated_at = self.timestamp

    class Disabled(Event):
        """An operator closed the account (its sessions end with it); `reason` is theirs."""

        reason: str

        def apply(self, aggregate: "User") -> None:
            aggregate.is_active = False
            aggregate.updated_at = self.timestamp

    class Enabled(Event):
        reason: str

        def apply(self, aggregate: "User") -> None:
            aggregate.is_active = True
            aggregate.updated_at = self.timestamp

    def set_active(self, active: bool, reason: str) -> bool:
        """Disable or enable; False, recording nothing, if it already is."""
        if self.is_active == active:
            return False
        self.trigger_event(self.Enabled if active else self.Disabled, reason=reason)
        return True

    def record_login(self, session_id: UUID, client: str | None = None) -> None:
        self.check_is_active()
        self.trigger_event(self.LoggedIn, session_id=session_id, client=client)

    def record_logout(self, session_id: UUID) -> None:
        self.trigger_event(self.LoggedOut, session_id=session_id)

    def update_profile(self, **values: str | None) -> dict[str, str]:
        """Record the values that differ (not the email: see request_email_change); returns
        them (empty: nothing recorded)."""
        self.check_is_active()
        changed = {f: v for f, v in values.items() if v is not None and getattr(self, f) != v}
        if changed:
            self.trigger_event(self.ProfileUpdated, **{f: changed.get(f) for f in PROFILE_FIELDS})
        return changed

    def choose_daily_digest(self, daily_digest: bool) -> None:
        self.check_is_active()
        if self.daily_digest != daily_digest:
            self.trigger_event(self.DailyDigestChosen, daily_digest=daily_digest)

    def request_email_change(self, email: str, session_id: UUID) -> None:
        self.check_is_active()
        self.trigger_event(self.EmailChangeRequested, email=email, session_id=session_id)

    def cancel_email_change(self) -> None:
        if self.pending_email is not None:
            self.trigger_event(self.EmailChangeCancelled, email=self.pending_email)

    def change_email(self, email: str, via: str) -> None:
        """Switch to a pending address its link proved, or back to an earlier one."""
        self.check_is_active()
        if via == "verified" and email != self.pending_email:
            raise StaleEmailToken(self.id)
        self.trigger_event(self.EmailChanged, email=email, via=via)

    def verify_email(self, email: str) -> None:
        if self.email != email:
            raise StaleEmailToken(self.id)
        if not self.is_email_verified:
            self.trigger_event(self.EmailVerified, email=email)

    def change_password(self, via: str) -> None:
        self.check_is_active()
        self.trigger_event(self.PasswordChanged, via=via)

    def check_is_active(self) -> None:
        if not self.is_active:
            raise AccountDisabled(self.id)


class AccountDisabled(Exception):
    """The account exists but is deactivated."""


class EmailTaken(Exception):
    """Another account already uses this email address."""


class UsernameTaken(Exception):
    """Another account already uses this username."""


class StaleEmailToken(Exception):
    """The verification token was issued for an address the account no longer uses."""

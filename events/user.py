"""The User aggregate: an account that owns a household's data."""

from uuid import UUID

from eventsourcing.domain import Aggregate


class User(Aggregate):
    """A registered account. Secrets (password hashes) are not events: they live in auth tables."""

    class Event(Aggregate.Event):
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
        self.last_login = None

    @property
    def owner_id(self) -> UUID:
        return self.id

    class LoggedIn(Event):
        session_id: UUID

        def apply(self, aggregate: "User") -> None:
            aggregate.last_login = self.timestamp

    def record_login(self, session_id: UUID) -> None:
        self.check_is_active()
        self.trigger_event(self.LoggedIn, session_id=session_id)

    def check_is_active(self) -> None:
        if not self.is_active:
            raise AccountDisabled(self.id)


class AccountDisabled(Exception):
    """The account exists but is deactivated."""


class UserNotFound(Exception):
    """No such account."""


class EmailTaken(Exception):
    """Another account already uses this email address."""


class UsernameTaken(Exception):
    """Another account already uses this username."""

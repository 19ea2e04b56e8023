"""Account commands: register and log in. Each call saves its events and auth rows atomically."""

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from command.accounts.credentials import password_hash_of, set_password_hash
from command.retry import retry_on_conflict
from command.uniqueness import KeyTaken, claim, holder
from events.index import Index, email_key, username_key
from events.store import SideWrite, Store
from events.user import EmailTaken, User, UsernameTaken
from vitaltrack.security.passwords import Passwords
from vitaltrack.security.sessions import NewSession, Sessions


@dataclass(frozen=True)
class Register:
    email: str | None
    username: str | None
    name: str
    phone: str | None
    password_hash: str


@dataclass(frozen=True)
class Login:
    identifier: str  # an email if it contains "@", else a username
    password: str


@dataclass(frozen=True)
class SignedIn:
    """A user with a fresh session (refresh-token family)."""

    user: User
    session: NewSession
    position: int


class InvalidCredentials(Exception):
    """Unknown identifier or wrong password (deliberately indistinguishable)."""


@retry_on_conflict
def register(store: Store, sessions: Sessions, cmd: Register) -> SignedIn:
    user = User(email=cmd.email, username=cmd.username, name=cmd.name, phone=cmd.phone)
    indexes = []
    if cmd.email is not None:
        indexes.append(_claim_or(store, email_key(cmd.email), user.id, EmailTaken))
    if cmd.username is not None:
        indexes.append(_claim_or(store, username_key(cmd.username), user.id, UsernameTaken))
    session = sessions.start(user.id)
    writes = (set_password_hash(user.id, cmd.password_hash), *session.writes)
    recordings = store.save(user, *indexes, side_writes=writes)
    return SignedIn(user, session, recordings[-1].notification.id)


def login(store: Store, passwords: Passwords, sessions: Sessions, cmd: Login) -> SignedIn:
    key = email_key(cmd.identifier) if "@" in cmd.identifier else username_key(cmd.identifier)
    user_id = holder(store, key)
    stored_hash = password_hash_of(store, user_id) if user_id else None
    if stored_hash is None:
        passwords.hash(cmd.password)  # spend the same time as a real check: no user enumeration
        raise InvalidCredentials
    if not passwords.verify(stored_hash, cmd.password):
        raise InvalidCredentials
    writes: tuple[SideWrite, ...] = ()
    if passwords.needs_rehash(stored_hash):
        writes = (set_password_hash(user_id, passwords.hash(cmd.password)),)
    session = sessions.start(user_id)
    return _record_login(store, user_id, session, (*writes, *session.writes))


@retry_on_conflict
def _record_login(
    store: Store, user_id: UUID, session: NewSession, writes: tuple[SideWrite, ...]
) -> SignedIn:
    try:
        user: User = store.repository.get(user_id)
    except AggregateNotFoundError:
        raise InvalidCredentials from None
    user.record_login(session.session_id)
    recordings = store.save(user, side_writes=writes)
    return SignedIn(user, session, recordings[-1].notification.id)


def _claim_or(store: Store, key: str, user_id: UUID, taken: type[Exception]) -> Index:
    try:
        return claim(store, key, owner_id=user_id, ref=user_id)
    except KeyTaken:
        raise taken from None

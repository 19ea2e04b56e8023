"""Signing in and out: register, log in, refresh, log out."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts.services import AccountServices
from command.accounts.tables import load_user, password_hash_of, set_password_hash
from command.retry import retry_on_conflict
from command.uniqueness import KeyTaken, claim, holder
from command.unit_of_work import UnitOfWork, transaction
from events.index import Index, email_key, username_key
from events.store import SideWrite
from events.user import EmailTaken, User, UsernameTaken
from infra.mail import messages
from infra.security.sessions import InvalidRefreshToken, NewSession


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
    client: str | None = None  # User-Agent, kept in the login event


@dataclass(frozen=True)
class Refresh:
    refresh_token: str


@dataclass(frozen=True)
class Logout:
    user_id: UUID
    refresh_token: str


@dataclass(frozen=True)
class SignedIn:
    """A user with a session (refresh-token family) and the position of the events saved."""

    user: User
    session: NewSession
    position: int


@dataclass(frozen=True)
class Done:
    position: int


class InvalidCredentials(Exception):
    """Unknown identifier or wrong password (deliberately indistinguishable)."""


@retry_on_conflict
def register(uow: UnitOfWork, svc: AccountServices, cmd: Register) -> SignedIn:
    user = User(email=cmd.email, username=cmd.username, name=cmd.name, phone=cmd.phone)
    indexes = claim_identifiers(uow, user.id, cmd.email, cmd.username)
    session = svc.sessions.start(user.id)
    writes = [set_password_hash(user.id, cmd.password_hash), *session.writes]
    if cmd.email is not None:
        writes += verification_mail(svc, user.id, cmd.email)
    position = uow.commit(user, *indexes, writes=writes)
    return SignedIn(user, session, position)


def login(uow: UnitOfWork, svc: AccountServices, cmd: Login) -> SignedIn:
    key = email_key(cmd.identifier) if "@" in cmd.identifier else username_key(cmd.identifier)
    user_id = holder(uow, key)
    stored_hash = password_hash_of(uow.store, user_id) if user_id else None
    if user_id is None or stored_hash is None:
        svc.passwords.hash(cmd.password)  # spend the time a real check takes: no enumeration
        raise InvalidCredentials
    if not svc.passwords.verify(stored_hash, cmd.password):
        raise InvalidCredentials
    writes: list[SideWrite] = []
    if svc.passwords.needs_rehash(stored_hash):
        writes.append(set_password_hash(user_id, svc.passwords.hash(cmd.password)))
    session = svc.sessions.start(user_id)
    return _record_login(uow, user_id, session, cmd.client, [*writes, *session.writes])


def refresh(uow: UnitOfWork, svc: AccountServices, cmd: Refresh) -> SignedIn:
    # Committed even when refused: a reused token's family must stay revoked.
    with transaction(uow.store, commit=True) as curs:
        rotation = svc.sessions.rotate(curs, cmd.refresh_token)
    if rotation is None:
        raise InvalidRefreshToken
    user = load_user(uow, rotation.user_id, InvalidRefreshToken)
    if not user.is_active:
        raise InvalidRefreshToken
    return SignedIn(user, NewSession(rotation.session_id, rotation.refresh_token, ()), 0)


@retry_on_conflict
def logout(uow: UnitOfWork, svc: AccountServices, cmd: Logout) -> Done:
    """Revoke the family of the caller's token; a foreign or dead token changes nothing."""
    with transaction(uow.store) as curs:
        session_id = svc.sessions.live_session_of(curs, cmd.refresh_token, cmd.user_id)
    if session_id is None:
        return Done(0)
    user = load_user(uow, cmd.user_id, InvalidCredentials)
    user.record_logout(session_id)
    position = uow.commit(user, writes=[svc.sessions.revoke(session_id)])
    return Done(position)


@retry_on_conflict
def _record_login(
    uow: UnitOfWork, user_id: UUID, session: NewSession, client: str | None, writes: list[SideWrite]
) -> SignedIn:
    user = load_user(uow, user_id, InvalidCredentials)
    user.record_login(session.session_id, client)
    position = uow.commit(user, writes=writes)
    return SignedIn(user, session, position)


def claim_identifiers(
    uow: UnitOfWork, user_id: UUID, email: str | None, username: str | None
) -> list[Index]:
    """Index aggregates for a new email and/or username, saved with the user."""
    claims = []
    for value, key, taken in (
        (email, email_key, EmailTaken),
        (username, username_key, UsernameTaken),
    ):
        if value is not None:
            try:
                claims.append(claim(uow, key(value), owner_id=user_id, ref=user_id))
            except KeyTaken:
                raise taken from None
    return claims


def verification_mail(svc: AccountServices, user_id: UUID, email: str) -> list[SideWrite]:
    issued = svc.tokens.issue(user_id, email, "verify_email")
    return [*issued.writes, messages.verification(svc.public_base_url, email, issued.token)]

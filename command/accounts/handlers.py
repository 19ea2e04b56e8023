"""Signing in and out: register, log in, refresh, log out."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts.requests import RegisterIn
from command.accounts.services import AccountServices
from command.accounts.tables import load_user, password_hash_of, set_password_hash
from command.households.tables import default_household, household_written
from command.results import Done
from command.retry import retry_on_conflict
from command.uniqueness import KeyTaken, claim, holder
from command.unit_of_work import UnitOfWork, transaction
from events.household import Household, HouseholdSettings, household_name
from events.index import Index, email_key, username_key
from events.store import SideWrite
from events.user import EmailTaken, User, UsernameTaken
from infra.mail import messages
from infra.security.sessions import InvalidRefreshToken, NewSession


@dataclass(frozen=True, kw_only=True)
class Register:
    email: str | None
    username: str | None = None
    name: str
    phone: str | None = None
    password_hash: str

    @classmethod
    def from_request(cls, body: RegisterIn, password_hash: str) -> "Register":
        return cls(
            email=body.email,
            username=body.username,
            name=body.name,
            phone=body.phone,
            password_hash=password_hash,
        )


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
    session_id: UUID  # the caller's own session (the access token's `sid`)
    refresh_token: str


@dataclass(frozen=True)
class SignedIn:
    """A user with a session (refresh-token family) and the position of the events saved."""

    user: User
    session: NewSession
    position: int


class InvalidCredentials(Exception):
    """Unknown identifier or wrong password (deliberately indistinguishable)."""


@retry_on_conflict
def register(uow: UnitOfWork, svc: AccountServices, cmd: Register) -> SignedIn:
    user = User(email=cmd.email, username=cmd.username, name=cmd.name, phone=cmd.phone)
    indexes = claim_identifiers(uow, user.id, cmd.email, cmd.username)
    # registration founds the account's household: its id is the account's (API.md 12)
    home = Household(
        owner_id=user.id,
        founder_id=user.id,
        settings=HouseholdSettings(name=household_name(cmd.name)),
    )
    session = svc.sessions.start(user.id, user.id)
    writes = [set_password_hash(user.id, cmd.password_hash), *session.writes]
    writes += household_written(home)
    if cmd.email is not None:
        writes += verification_mail(svc, user.id, cmd.email)
    uow.actor = user.id
    position = uow.commit(user, home, *indexes, writes=writes)
    return SignedIn(user, session, position)


def _key(identifier: str) -> str:
    return email_key(identifier) if "@" in identifier else username_key(identifier)


def subject(uow: UnitOfWork, identifier: str) -> UUID:
    """Whom a sign-in with this identifier is against, for the login guard: the account id
    (its email and username are one subject), else the identifier's own index id, so an
    unknown identifier is limited exactly like a known one (no enumeration by 429s)."""
    key = _key(identifier)
    return holder(uow, key) or Index.create_id(key)


def login(uow: UnitOfWork, svc: AccountServices, cmd: Login) -> SignedIn:
    user_id = holder(uow, _key(cmd.identifier))
    stored_hash = password_hash_of(uow.store, user_id) if user_id else None
    if user_id is None or stored_hash is None:
        svc.passwords.hash(cmd.password)  # spend the time a real check takes: no enumeration
        raise InvalidCredentials
    if not svc.passwords.verify(stored_hash, cmd.password):
        raise InvalidCredentials
    writes: list[SideWrite] = []
    if svc.passwords.needs_rehash(stored_hash):
        writes.append(set_password_hash(user_id, svc.passwords.hash(cmd.password)))
    session = svc.sessions.start(user_id, default_household(uow.store, user_id))
    uow.actor = user_id
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
    session = NewSession(rotation.session_id, rotation.refresh_token, (), rotation.household_id)
    return SignedIn(user, session, 0)


@retry_on_conflict
def logout(uow: UnitOfWork, svc: AccountServices, cmd: Logout) -> Done:
    """End the caller's own session, and the family of the token it sent if that is another
    of its own sessions; a foreign or dead token changes nothing else. A wrong token must
    not leave the caller signed in while the answer says it was signed out."""
    with transaction(uow.store) as curs:
        sent = svc.sessions.live_session_of(curs, cmd.refresh_token, cmd.user_id)
    sessions = list(dict.fromkeys(s for s in (cmd.session_id, sent) if s is not None))
    user = load_user(uow, cmd.user_id, InvalidCredentials)
    for session_id in sessions:
        user.record_logout(session_id)
    position = uow.commit(user, writes=[svc.sessions.revoke(s) for s in sessions])
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
    mail = messages.verification(svc.public_base_url, user_id, email, issued.token)
    return [*issued.writes, mail]

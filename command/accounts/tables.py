"""Auth tables next to the event store: password hashes, mail counts; loading a user."""

import contextlib
from collections.abc import Iterator
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import PersistenceError

from command.accounts.services import AccountServices
from command.uniqueness import holder
from command.unit_of_work import UnitOfWork, transaction
from events.index import Index, email_key
from events.store import SideWrite, Store
from events.user import User
from infra.mail.messages import SENT_RECENTLY
from infra.security.one_time_tokens import TOKEN_UNUSABLE_SQLSTATE
from infra.security.rate_limits import Limit


class InvalidOneTimeToken(Exception):
    """The verification or reset token is unknown, used or expired."""


class WrongPassword(Exception):
    """The current password given to confirm a change is not the account's."""


def check_password(store: Store, svc: AccountServices, user_id: UUID, password: str | None) -> None:
    """One Argon2 verification, before anything else is hashed: a wrong guess costs one."""
    stored = password_hash_of(store, user_id)
    if password is None or stored is None or not svc.passwords.verify(stored, password):
        raise WrongPassword


def under_cap(store: Store, account: UUID, kind: str, cap: Limit | None) -> bool:
    """Whether another mail of this kind may go to the account (counted from the outbox)."""
    if cap is None:
        return True
    with transaction(store) as curs:
        curs.execute(SENT_RECENTLY, (kind, account, cap.window_seconds))
        row = curs.fetchone()
    return int(row["sent"]) < cap.count


def account_with_address(uow: UnitOfWork, email: str) -> User | None:
    """The account whose current address this is. The same two reads whether or not there
    is one (an index id is never a user's, so its read finds no user): answers that depend
    on it take the same time either way."""
    key = email_key(email)
    user_id = holder(uow, key) or Index.create_id(key)
    try:
        user = load_user(uow, user_id, LookupError)
    except LookupError:
        return None
    return user if user.email == email else None


def password_hash_of(store: Store, user_id: UUID) -> str | None:
    with transaction(store) as curs:
        curs.execute("SELECT password_hash FROM auth_credentials WHERE user_id = %s", (user_id,))
        row = curs.fetchone()
    return row["password_hash"] if row else None


def set_password_hash(user_id: UUID, password_hash: str) -> SideWrite:
    return SideWrite(
        "INSERT INTO auth_credentials (user_id, password_hash) VALUES (%s, %s) "
        "ON CONFLICT (user_id) DO UPDATE "
        "SET password_hash = EXCLUDED.password_hash, updated_at = now()",
        (user_id, password_hash),
    )


def load_user(uow: UnitOfWork, user_id: UUID, missing: type[Exception]) -> User:
    try:
        user: object = uow.get(user_id)
    except AggregateNotFoundError:
        raise missing from None
    if not isinstance(user, User):
        raise missing
    return user


@contextlib.contextmanager
def token_consumption() -> Iterator[None]:
    """Turn 'someone used this one-time token first' into InvalidOneTimeToken."""
    try:
        yield
    except PersistenceError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == TOKEN_UNUSABLE_SQLSTATE:
            raise InvalidOneTimeToken from None
        raise

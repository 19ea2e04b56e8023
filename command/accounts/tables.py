"""Auth tables next to the event store: password hashes; loading a user."""

import contextlib
from collections.abc import Iterator
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import PersistenceError

from command.unit_of_work import UnitOfWork, transaction
from events.store import SideWrite, Store
from events.user import User
from infra.security.one_time_tokens import TOKEN_UNUSABLE_SQLSTATE


class InvalidOneTimeToken(Exception):
    """The verification or reset token is unknown, used or expired."""


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

"""Password commands: change (knowing the old one), forgot, and reset (with a mailed token)."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts.handlers import Done
from command.accounts.services import AccountServices
from command.accounts.tables import (
    InvalidOneTimeToken,
    load_user,
    password_hash_of,
    set_password_hash,
    token_consumption,
)
from command.retry import retry_on_conflict
from command.uniqueness import holder
from command.unit_of_work import UnitOfWork, transaction
from events.index import email_key
from events.store import SideWrite, Store
from events.user import User
from infra.mail import messages


@dataclass(frozen=True)
class ChangePassword:
    user_id: UUID
    session_id: UUID  # the caller's session survives; every other one is revoked
    current_password: str
    new_password_hash: str


@dataclass(frozen=True)
class ForgotPassword:
    email: str


@dataclass(frozen=True)
class ResetPassword:
    token: str
    new_password_hash: str


class WrongPassword(Exception):
    """The current password given to change-password is not the account's."""


def change_password(uow: UnitOfWork, svc: AccountServices, cmd: ChangePassword) -> Done:
    stored_hash = password_hash_of(uow.store, cmd.user_id)
    if stored_hash is None or not svc.passwords.verify(stored_hash, cmd.current_password):
        raise WrongPassword
    return _record_change(
        uow,
        cmd.user_id,
        [
            set_password_hash(cmd.user_id, cmd.new_password_hash),
            svc.sessions.revoke_all(cmd.user_id, keep=cmd.session_id),
        ],
    )


@retry_on_conflict
def _record_change(uow: UnitOfWork, user_id: UUID, writes: list[SideWrite]) -> Done:
    user = load_user(uow, user_id, WrongPassword)
    user.change_password(via="change")
    notice = [messages.password_changed(user.email)] if user.email else []
    position = uow.commit(user, writes=[*writes, *notice])
    return Done(position)


def forgot_password(uow: UnitOfWork, svc: AccountServices, cmd: ForgotPassword) -> Done:
    """Mail a reset token if the account exists and is active; say nothing either way."""
    user_id = holder(uow, email_key(cmd.email))
    if user_id is None:
        return Done(0)
    user: User = load_user(uow, user_id, InvalidOneTimeToken)
    if user.is_active and user.email == cmd.email:
        issued = svc.tokens.issue(user.id, cmd.email, "reset_password")
        mail = messages.password_reset(svc.public_base_url, cmd.email, issued.token)
        uow.commit(writes=[*issued.writes, mail])
    return Done(0)


def reset_token_works(store: Store, svc: AccountServices, token: str) -> bool:
    """Whether the reset page may show its form (the token is unused and unexpired)."""
    with transaction(store) as curs:
        return svc.tokens.holder(curs, token, "reset_password") is not None


@retry_on_conflict
def reset_password(uow: UnitOfWork, svc: AccountServices, cmd: ResetPassword) -> Done:
    with transaction(uow.store) as curs:
        token_holder = svc.tokens.holder(curs, cmd.token, "reset_password")
    if token_holder is None:
        raise InvalidOneTimeToken
    user = load_user(uow, token_holder.user_id, InvalidOneTimeToken)
    user.change_password(via="reset")
    writes = [
        svc.tokens.consume(cmd.token, "reset_password"),
        set_password_hash(user.id, cmd.new_password_hash),
        svc.sessions.revoke_all(user.id),
        messages.password_changed(token_holder.email),
    ]
    with token_consumption():
        position = uow.commit(user, writes=writes)
    return Done(position)

"""Password commands: change (knowing the old one), forgot, and reset (with a mailed token).

A new password voids every pending reset and deletion link and ends the other sessions."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts.services import AccountServices
from command.accounts.tables import (
    InvalidOneTimeToken,
    WrongPassword,
    account_with_address,
    check_password,
    load_user,
    set_password_hash,
    token_consumption,
    under_cap,
)
from command.results import Done
from command.retry import retry_on_conflict
from command.unit_of_work import UnitOfWork, transaction
from events.store import SideWrite, Store
from events.user import User
from infra.mail import messages
from infra.security.one_time_tokens import Holder
from infra.security.rate_limits import Limit


@dataclass(frozen=True)
class ChangePassword:
    user_id: UUID
    session_id: UUID  # the caller's session survives; every other one is revoked
    current_password: str
    new_password: str


@dataclass(frozen=True)
class ForgotPassword:
    email: str
    cap: Limit | None  # reset mails an account gets at most per window; None: no cap


@dataclass(frozen=True)
class ResetPassword:
    token: str
    new_password_hash: str


def change_password(uow: UnitOfWork, svc: AccountServices, cmd: ChangePassword) -> Done:
    """The current password is checked before the new one is hashed: one Argon2 run for a
    wrong guess, two for a change."""
    check_password(uow.store, svc, cmd.user_id, cmd.current_password)
    new_hash = svc.passwords.hash(cmd.new_password)
    keep = svc.sessions.revoke_all(cmd.user_id, keep=cmd.session_id)
    return _record_change(uow, svc, cmd.user_id, [set_password_hash(cmd.user_id, new_hash), keep])


@retry_on_conflict
def _record_change(
    uow: UnitOfWork, svc: AccountServices, user_id: UUID, writes: list[SideWrite]
) -> Done:
    user = load_user(uow, user_id, WrongPassword)
    user.change_password(via="change")
    notice = [messages.password_changed(user.id, user.email)] if user.email else []
    voided = svc.tokens.void(user.id, "reset_password", "delete_account")
    return Done(uow.commit(user, writes=[*writes, voided, *notice]))


def forgot_password(uow: UnitOfWork, svc: AccountServices, cmd: ForgotPassword) -> Done:
    """Mail a reset link if the address is an active account's and verified (a link to an
    unverified address would hand the account to whoever holds it); say nothing either way.
    Beyond the cap no mail goes, and the links already mailed keep working."""
    user = account_with_address(uow, cmd.email)
    if user is None or not user.is_active or not user.is_email_verified:
        return Done(0)
    if not under_cap(uow.store, user.id, "reset", cmd.cap):
        return Done(0)
    issued = svc.tokens.issue(user.id, cmd.email, "reset_password")
    mail = messages.password_reset(svc.public_base_url, user.id, cmd.email, issued.token)
    uow.commit(writes=[*issued.writes, mail])
    return Done(0)


def reset_token_works(store: Store, svc: AccountServices, token: str) -> bool:
    """Whether the reset page may show its form (the token is unused, unexpired, and was
    mailed to the account's current address)."""
    with transaction(store) as curs:
        found = svc.tokens.holder(curs, token, "reset_password")
    return found is not None and _current(UnitOfWork(store), found) is not None


@retry_on_conflict
def reset_password(uow: UnitOfWork, svc: AccountServices, cmd: ResetPassword) -> Done:
    with transaction(uow.store) as curs:
        token_holder = svc.tokens.holder(curs, cmd.token, "reset_password")
    user = _current(uow, token_holder) if token_holder else None
    if user is None:
        raise InvalidOneTimeToken
    user.change_password(via="reset")
    writes = [
        svc.tokens.consume(cmd.token, "reset_password"),
        svc.tokens.void(user.id, "reset_password", "delete_account"),
        set_password_hash(user.id, cmd.new_password_hash),
        svc.sessions.revoke_all(user.id),
        messages.password_changed(user.id, user.email or ""),
    ]
    with token_consumption():
        position = uow.commit(user, writes=writes)
    return Done(position)


def _current(uow: UnitOfWork, token_holder: Holder) -> User | None:
    """The token's account, if the token went to the address the account has now."""
    user = load_user(uow, token_holder.user_id, InvalidOneTimeToken)
    return user if user.email == token_holder.email else None

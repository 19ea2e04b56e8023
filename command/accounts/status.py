"""Disabling and enabling an account (an operator's command, `vitaltrack accounts`).

A disabled account cannot sign in (403 account_disabled), refresh or change anything, and
every one of its sessions ends at once (the revocation reaches every API process); its
pending reset and deletion links die with them, and only an operator can delete it
(`delete_by_operator`). Its household's data stays, readable again once it is enabled."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts.erasure import erase
from command.accounts.services import AccountServices
from command.accounts.tables import load_user
from command.retry import retry_on_conflict
from command.uniqueness import holder
from command.unit_of_work import UnitOfWork
from events.index import email_key, username_key


@dataclass(frozen=True)
class SetActive:
    identifier: str  # an email if it contains "@", else a username
    active: bool
    reason: str


@dataclass(frozen=True)
class StatusSet:
    user_id: UUID
    changed: bool  # False: it already was
    position: int


class UnknownAccount(Exception):
    """No account has this email address or username."""


@dataclass(frozen=True)
class DeleteByOperator:
    identifier: str


def account_of(uow: UnitOfWork, identifier: str) -> UUID:
    who = identifier.strip().lower()  # as sign-in reads it (both are kept lowercase)
    user_id = holder(uow, email_key(who) if "@" in who else username_key(who))
    if user_id is None:
        raise UnknownAccount(identifier)
    return user_id


@retry_on_conflict
def set_active(uow: UnitOfWork, svc: AccountServices, cmd: SetActive) -> StatusSet:
    user_id = account_of(uow, cmd.identifier)
    user = load_user(uow, user_id, UnknownAccount)
    if not user.set_active(cmd.active, cmd.reason):
        return StatusSet(user_id, False, 0)
    writes = (
        []
        if cmd.active
        else [
            svc.sessions.revoke_all(user_id),
            svc.tokens.void(user_id, "reset_password", "delete_account"),
        ]
    )
    position = uow.commit(user, writes=writes)
    return StatusSet(user_id, True, position)


def delete_by_operator(uow: UnitOfWork, svc: AccountServices, cmd: DeleteByOperator) -> UUID:
    """Erase an account (disabled or not) as `DELETE /auth/me` would, on an operator's word."""
    user_id = account_of(uow, cmd.identifier)
    erase(uow, svc, user_id, via="operator")
    return user_id

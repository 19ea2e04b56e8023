"""Disabling and enabling an account (an operator's command, `vitaltrack accounts`).

A disabled account cannot sign in (403 account_disabled), refresh or change anything, and
every one of its sessions ends at once (the revocation reaches every API process). Its
household's data stays, readable again once it is enabled."""

from dataclasses import dataclass
from uuid import UUID

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


@retry_on_conflict
def set_active(uow: UnitOfWork, svc: AccountServices, cmd: SetActive) -> StatusSet:
    who = cmd.identifier.strip().lower()  # as sign-in reads it (both are kept lowercase)
    key = email_key(who) if "@" in who else username_key(who)
    user_id = holder(uow, key)
    if user_id is None:
        raise UnknownAccount(cmd.identifier)
    user = load_user(uow, user_id, UnknownAccount)
    if not user.set_active(cmd.active, cmd.reason):
        return StatusSet(user_id, False, 0)
    writes = [] if cmd.active else [svc.sessions.revoke_all(user_id)]
    position = uow.commit(user, writes=writes)
    return StatusSet(user_id, True, position)

"""Account deletion (API.md 3.1): requested in the app, confirmed from the link mailed to the
account's verified address (a GET only previews: mail scanners follow links), or at once with
the password for accounts without a verified address (no deletion link goes to an address
nobody proved is the owner's). A disabled account is deleted only by an operator
(`vitaltrack accounts delete`). Deletion ERASES the account (command/accounts/erasure.py):
why erasure and not crypto-shredding is in docs/account-deletion.md."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts.erasure import erase, may_go
from command.accounts.handlers import verification_mail
from command.accounts.services import AccountServices
from command.accounts.tables import (
    InvalidOneTimeToken,
    check_password,
    load_user,
    token_consumption,
)
from command.results import Done
from command.unit_of_work import UnitOfWork, transaction
from events.store import SideWrite, Store
from infra.mail import messages
from infra.security.one_time_tokens import Holder


@dataclass(frozen=True)
class RequestDeletion:
    user_id: UUID
    password: str | None  # required without a verified email: such accounts go at once


@dataclass(frozen=True)
class Requested:
    mailed: bool  # False: deleted at once
    position: int
    verify_first: bool = False  # the mail verifies the address; deletion is asked again


@dataclass(frozen=True)
class ConfirmDeletion:
    token: str


def request_deletion(uow: UnitOfWork, svc: AccountServices, cmd: RequestDeletion) -> Requested:
    user = load_user(uow, cmd.user_id, InvalidOneTimeToken)
    user.check_is_active()
    may_go(uow, user.id)  # refused now, not only when the mailed link is opened
    if user.email and user.is_email_verified:
        issued = svc.tokens.issue(user.id, user.email, "delete_account")
        mail = messages.deletion_requested(svc.public_base_url, user.id, user.email, issued.token)
        uow.commit(writes=[*issued.writes, mail])
        return Requested(mailed=True, position=0)
    if user.email and cmd.password is None:  # the newer app sends no body (profile.tsx:193)
        uow.commit(writes=verification_mail(svc, user.id, user.email))
        return Requested(mailed=True, position=0, verify_first=True)
    check_password(uow.store, svc, user.id, cmd.password)
    return Requested(mailed=False, position=erase(uow, svc, user.id, via="password"))


def cancel_deletion(uow: UnitOfWork, _svc: AccountServices, user_id: UUID) -> Done:
    """The pending link stops working."""
    uow.commit(writes=[_spend_deletion_tokens(user_id)])
    return Done(0)


def deletion_holder(store: Store, svc: AccountServices, token: str) -> str | None:
    """The account a confirmation link would delete (its email), for the preview page."""
    with transaction(store) as curs:
        holder = svc.tokens.holder(curs, token, "delete_account")
    return holder.email if holder and _deletable(UnitOfWork(store), holder) else None


def confirm_deletion(uow: UnitOfWork, svc: AccountServices, cmd: ConfirmDeletion) -> Done:
    with transaction(uow.store) as curs:
        holder = svc.tokens.holder(curs, cmd.token, "delete_account")
    if holder is None or not _deletable(uow, holder):
        raise InvalidOneTimeToken
    consumed = svc.tokens.consume(cmd.token, "delete_account")
    with token_consumption():
        return Done(erase(uow, svc, holder.user_id, via="email", first=(consumed,)))


def _deletable(uow: UnitOfWork, holder: Holder) -> bool:
    """A link deletes an active account, and only while the address it went to is the
    account's: a link that outlived an email change or a disabling is dead."""
    user = load_user(uow, holder.user_id, InvalidOneTimeToken)
    return user.is_active and user.email == holder.email


def _spend_deletion_tokens(user_id: UUID) -> SideWrite:
    return SideWrite(
        "UPDATE auth_one_time_tokens SET used_at = now() "
        "WHERE user_id = %s AND purpose = 'delete_account' AND used_at IS NULL",
        (user_id,),
    )

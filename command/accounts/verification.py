"""Email verification: confirm an address with its mailed token, or ask for a new one.

A token for the account's current address verifies it; one for its pending address switches
the account to it (email_change.switch); any other is dead."""

from dataclasses import dataclass
from uuid import UUID

from command.accounts import email_change
from command.accounts.handlers import verification_mail
from command.accounts.services import AccountServices
from command.accounts.tables import (
    InvalidOneTimeToken,
    account_with_address,
    load_user,
    token_consumption,
    under_cap,
)
from command.results import Done
from command.retry import retry_on_conflict
from command.unit_of_work import UnitOfWork, transaction
from events.index import Index
from events.store import SideWrite
from infra.security.rate_limits import Limit

RESEND_GENERIC = "If an account with that email exists, a verification email has been sent."
RESEND_ALREADY = "Email is already verified."


@dataclass(frozen=True)
class VerifyEmail:
    token: str


@dataclass(frozen=True)
class ResendVerification:
    email: str


@dataclass(frozen=True)
class Resent:
    message: str
    mail_to: UUID | None  # the account a verification mail is due to (sent after answering)
    position: int = 0


@dataclass(frozen=True)
class SendVerification:
    user_id: UUID
    email: str
    cap: Limit | None  # verification mails an account gets at most per window


@retry_on_conflict
def verify_email(uow: UnitOfWork, svc: AccountServices, cmd: VerifyEmail) -> Done:
    with transaction(uow.store) as curs:
        token_holder = svc.tokens.holder(curs, cmd.token, "verify_email")
    if token_holder is None:
        raise InvalidOneTimeToken
    user = load_user(uow, token_holder.user_id, InvalidOneTimeToken)
    indexes: list[Index | None] = []
    writes: list[SideWrite] = [svc.tokens.consume(cmd.token, "verify_email")]
    if token_holder.email == user.email:
        user.verify_email(token_holder.email)
    elif token_holder.email == user.pending_email:
        indexes, switched = email_change.switch(uow, svc, user, token_holder.email)
        writes += switched
    else:
        raise InvalidOneTimeToken
    with token_consumption():
        position = uow.commit(user, *indexes, writes=writes)
    return Done(position)


def resend_verification(uow: UnitOfWork, _svc: AccountServices, cmd: ResendVerification) -> Resent:
    """What to answer (the same reads whether or not the account exists), and whom to mail:
    the mail itself is queued after the answer, so its work does not show in the timing."""
    user = account_with_address(uow, cmd.email)
    if user is None or not user.is_active:
        return Resent(RESEND_GENERIC, None)
    if user.is_email_verified:
        return Resent(RESEND_ALREADY, None)
    return Resent(RESEND_GENERIC, user.id)


def send_verification(uow: UnitOfWork, svc: AccountServices, cmd: SendVerification) -> Done:
    """A new verification link, unless the account had its share of them this window (then
    the last one mailed still works)."""
    if under_cap(uow.store, cmd.user_id, "verify", cmd.cap):
        uow.commit(writes=verification_mail(svc, cmd.user_id, cmd.email))
    return Done(0)

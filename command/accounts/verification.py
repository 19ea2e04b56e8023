"""Email verification: confirm an address with its mailed token, or ask for a new one."""

from dataclasses import dataclass

from command.accounts.handlers import Done, verification_mail
from command.accounts.services import AccountServices
from command.accounts.tables import InvalidOneTimeToken, load_user, token_consumption
from command.retry import retry_on_conflict
from command.uniqueness import holder
from command.unit_of_work import UnitOfWork, transaction
from events.index import email_key
from events.user import StaleEmailToken

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
    position: int = 0


@retry_on_conflict
def verify_email(uow: UnitOfWork, svc: AccountServices, cmd: VerifyEmail) -> Done:
    with transaction(uow.store) as curs:
        token_holder = svc.tokens.holder(curs, cmd.token, "verify_email")
    if token_holder is None:
        raise InvalidOneTimeToken
    user = load_user(uow, token_holder.user_id, InvalidOneTimeToken)
    try:
        user.verify_email(token_holder.email)
    except StaleEmailToken:
        raise InvalidOneTimeToken from None
    with token_consumption():
        position = uow.commit(user, writes=[svc.tokens.consume(cmd.token, "verify_email")])
    return Done(position)


def resend_verification(uow: UnitOfWork, svc: AccountServices, cmd: ResendVerification) -> Resent:
    user_id = holder(uow, email_key(cmd.email))
    if user_id is None:
        return Resent(RESEND_GENERIC)
    user = load_user(uow, user_id, InvalidOneTimeToken)
    if user.email != cmd.email or not user.is_active:
        return Resent(RESEND_GENERIC)
    if user.is_email_verified:
        return Resent(RESEND_ALREADY)
    uow.commit(writes=verification_mail(svc, user.id, cmd.email))
    return Resent(RESEND_GENERIC)

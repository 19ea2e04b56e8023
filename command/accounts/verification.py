"""Email verification: confirm an address with its mailed token, or ask for a new one."""

from dataclasses import dataclass

from command.accounts.handlers import Done, verification_mail
from command.accounts.services import AccountServices
from command.accounts.tables import (
    InvalidOneTimeToken,
    load_user,
    run_writes,
    token_consumption,
    transaction,
)
from command.retry import retry_on_conflict
from command.uniqueness import holder
from events.index import email_key
from events.store import Store
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
def verify_email(store: Store, svc: AccountServices, cmd: VerifyEmail) -> Done:
    with transaction(store) as curs:
        token_holder = svc.tokens.holder(curs, cmd.token, "verify_email")
    if token_holder is None:
        raise InvalidOneTimeToken
    user = load_user(store, token_holder.user_id, InvalidOneTimeToken)
    try:
        user.verify_email(token_holder.email)
    except StaleEmailToken:
        raise InvalidOneTimeToken from None
    with token_consumption():
        recordings = store.save(user, side_writes=[svc.tokens.consume(cmd.token, "verify_email")])
    return Done(recordings[-1].notification.id if recordings else 0)


def resend_verification(store: Store, svc: AccountServices, cmd: ResendVerification) -> Resent:
    user_id = holder(store, email_key(cmd.email))
    if user_id is None:
        return Resent(RESEND_GENERIC)
    user = load_user(store, user_id, InvalidOneTimeToken)
    if user.email != cmd.email or not user.is_active:
        return Resent(RESEND_GENERIC)
    if user.is_email_verified:
        return Resent(RESEND_ALREADY)
    run_writes(store, verification_mail(svc, user.id, cmd.email))
    return Resent(RESEND_GENERIC)

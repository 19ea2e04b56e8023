"""The auth endpoints behind mailed tokens (API.md 3 #8, #10, #11): forgot password, verify
email, resend verification.

Forgot-password and resend-verification answer before the mail is prepared, so the answer
takes the same time whether or not an account has the address (the mail's token, outbox row
and commit happen after the response has gone: FastAPI's background tasks). Forgot-password
first asks the database one question that does not depend on the address, so during an
outage it answers 503 rather than promising a mail nothing can send. Each is limited
per client address (429); per account, the mails themselves are capped without a 429, so a
stranger's requests never stop the owner's, and the links already mailed keep working."""

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, BackgroundTasks
from pydantic import BaseModel

from command.accounts import passwords, verification
from command.accounts.deps import AccountsDep
from command.accounts.requests import EmailIn, TokenIn
from command.deps import CommandsDep, Positioned
from infra.deps import ClientAddress, PoolDep, RateLimiterDep
from infra.security.rate_limits import by_client
from wire.base import MessageOut
from wire.errors import WITH_BODY, problems

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=problems("unavailable"))

FORGOT_ANSWER = "If an account with that email exists, a password reset link has been sent."


class VerifiedOut(BaseModel):
    message: str
    is_verified: bool = True  # snake_case, as the mobile client reads it


async def _after_answer(
    commands: CommandsDep, handler: Callable[..., Positioned], *args: Any
) -> None:
    """Work the answer must not wait for; a failure is logged (the answer has gone)."""
    try:
        await commands.run(handler, *args)
    except Exception:
        logger.exception("%s failed after the answer", handler.__name__)


@router.post(
    "/forgot-password", response_model=MessageOut, responses=problems(*WITH_BODY, "rate_limited")
)
async def forgot_password(
    body: EmailIn,
    commands: CommandsDep,
    accounts: AccountsDep,
    limiter: RateLimiterDep,
    client: ClientAddress,
    later: BackgroundTasks,
    pool: PoolDep,
) -> MessageOut:
    await limiter.hit("forgot_password", by_client(client))
    await pool.fetchval("SELECT 1")
    cmd = passwords.ForgotPassword(body.email, limiter.cap("forgot_password"))
    later.add_task(_after_answer, commands, passwords.forgot_password, accounts, cmd)
    return MessageOut(message=FORGOT_ANSWER)


@router.post(
    "/verify-email",
    response_model=VerifiedOut,
    responses=problems(*WITH_BODY, "bad_request", "conflict"),
)
async def verify_email(body: TokenIn, commands: CommandsDep, accounts: AccountsDep) -> VerifiedOut:
    return await _verify(body.token, commands, accounts)


@router.get(
    "/verify-email/{token}",
    response_model=VerifiedOut,
    responses=problems("bad_request", "conflict"),  # 409: a new address taken meanwhile
)
async def verify_email_by_path(
    token: str, commands: CommandsDep, accounts: AccountsDep
) -> VerifiedOut:
    """What the mobile client calls (reference compatibility)."""
    return await _verify(token, commands, accounts)


@router.post(
    "/resend-verification",
    response_model=MessageOut,
    responses=problems(*WITH_BODY, "rate_limited"),
)
async def resend_verification(
    body: EmailIn,
    commands: CommandsDep,
    accounts: AccountsDep,
    limiter: RateLimiterDep,
    client: ClientAddress,
    later: BackgroundTasks,
) -> MessageOut:
    await limiter.hit("resend_verification", by_client(client))
    cmd = verification.ResendVerification(body.email)
    resent = await commands.run(verification.resend_verification, accounts, cmd)
    if resent.mail_to is not None:
        cap = limiter.cap("resend_verification")
        mail = verification.SendVerification(resent.mail_to, body.email, cap)
        later.add_task(_after_answer, commands, verification.send_verification, accounts, mail)
    return MessageOut(message=resent.message)


async def _verify(token: str, commands: CommandsDep, accounts: AccountsDep) -> VerifiedOut:
    await commands.run(verification.verify_email, accounts, verification.VerifyEmail(token))
    return VerifiedOut(message="Email verified successfully")

"""The state-changing auth endpoints (API.md 3); GET /auth/me is on the query side."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from command.accounts import handlers, passwords, profile, verification
from command.accounts.requests import (
    ChangePasswordIn,
    EmailIn,
    LoginIn,
    LogoutIn,
    ProfileIn,
    RefreshIn,
    RegisterIn,
    TokenIn,
)
from command.accounts.responses import auth_out, user_out
from command.deps import AccountsDep, CommandsDep, KeyedCommandsDep, PasswordsDep, plain
from infra.deps import ClientAddress, CurrentUser, KeyRingDep, RateLimiterDep
from wire.base import MessageOut
from wire.errors import AUTHENTICATED, KEYED, WITH_BODY, problems
from wire.users import AuthOut, UserOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=problems("unavailable"))


class VerifiedOut(BaseModel):
    message: str
    is_verified: bool = True  # snake_case, as the mobile client reads it


@router.post(
    "/register",
    status_code=201,
    response_model=AuthOut,
    responses=problems(*WITH_BODY, *KEYED, "conflict", "rate_limited"),
)
async def register(
    request: Request,
    body: RegisterIn,
    commands: KeyedCommandsDep,
    accounts: AccountsDep,
    keyring: KeyRingDep,
    limiter: RateLimiterDep,
    client: ClientAddress,
) -> JSONResponse:
    """With an Idempotency-Key, a retry of a sign-up whose answer was lost answers 201 for
    the same account with a new session: the first answer's tokens are not kept."""
    await limiter.hit("register", client, body.email or body.username)

    async def sign_up() -> tuple[int, Any]:
        password_hash = await run_in_threadpool(accounts.passwords.hash, body.password)
        cmd = handlers.Register(body.email, body.username, body.name, body.phone, password_hash)
        signed_in = await commands.run(handlers.register, accounts, cmd)
        return 201, plain(auth_out(signed_in, keyring))

    async def sign_in_again(_kept: Any) -> tuple[int, Any]:
        identifier = body.email or body.username or ""
        cmd = handlers.Login(identifier, body.password, _agent(request))
        return 201, plain(auth_out(await commands.run(handlers.login, accounts, cmd), keyring))

    return await commands.idempotent(
        None, sign_up, keep=lambda answer: {"user": answer["user"]}, again=sign_in_again
    )


@router.post(
    "/login",
    response_model=AuthOut,
    responses=problems(*WITH_BODY, "invalid_credentials", "account_disabled", "rate_limited"),
)
async def login(
    request: Request,
    body: LoginIn,
    commands: CommandsDep,
    accounts: AccountsDep,
    keyring: KeyRingDep,
    limiter: RateLimiterDep,
    client: ClientAddress,
) -> AuthOut:
    await limiter.hit("login", client, body.identifier)
    cmd = handlers.Login(body.identifier, body.password, _agent(request))
    return auth_out(await commands.run(handlers.login, accounts, cmd), keyring)


@router.post(
    "/refresh",
    response_model=AuthOut,
    responses=problems(*WITH_BODY, "invalid_token", "account_disabled"),
)
async def refresh(
    body: RefreshIn, commands: CommandsDep, accounts: AccountsDep, keyring: KeyRingDep
) -> AuthOut:
    cmd = handlers.Refresh(body.refresh_token)
    return auth_out(await commands.run(handlers.refresh, accounts, cmd), keyring)


LOGGED_OUT = MessageOut(message="Successfully logged out")
PASSWORD_CHANGED = MessageOut(message="Password changed successfully")


@router.post(
    "/logout", response_model=MessageOut, responses=problems(*WITH_BODY, *AUTHENTICATED, *KEYED)
)
async def logout(
    body: LogoutIn, user: CurrentUser, commands: KeyedCommandsDep, accounts: AccountsDep
) -> JSONResponse:
    cmd = handlers.Logout(user.user_id, body.refresh_token)
    return await commands.respond(
        handlers.logout, accounts, cmd, view=lambda _: LOGGED_OUT, owner=user.user_id
    )


@router.patch(
    "/me",
    response_model=UserOut,
    responses=problems(*WITH_BODY, *AUTHENTICATED, *KEYED, "conflict"),
)
async def update_me(
    body: ProfileIn, user: CurrentUser, commands: KeyedCommandsDep, accounts: AccountsDep
) -> JSONResponse:
    cmd = profile.UpdateProfile(user.user_id, body.email, body.username, body.name, body.phone)
    return await commands.respond(
        profile.update_profile, accounts, cmd, view=user_out, owner=user.user_id
    )


@router.post(
    "/change-password",
    response_model=MessageOut,
    responses=problems(*WITH_BODY, *AUTHENTICATED, *KEYED, "bad_request"),
)
async def change_password(
    body: ChangePasswordIn,
    user: CurrentUser,
    commands: KeyedCommandsDep,
    accounts: AccountsDep,
    hasher: PasswordsDep,
) -> JSONResponse:
    new_hash = await run_in_threadpool(hasher.hash, body.new_password)
    cmd = passwords.ChangePassword(user.user_id, user.session_id, body.current_password, new_hash)
    return await commands.respond(
        passwords.change_password,
        accounts,
        cmd,
        view=lambda _: PASSWORD_CHANGED,
        owner=user.user_id,
    )


@router.post(
    "/forgot-password", response_model=MessageOut, responses=problems(*WITH_BODY, "rate_limited")
)
async def forgot_password(
    body: EmailIn,
    commands: CommandsDep,
    accounts: AccountsDep,
    limiter: RateLimiterDep,
    client: ClientAddress,
) -> MessageOut:
    await limiter.hit("forgot_password", client, body.email)
    await commands.run(passwords.forgot_password, accounts, passwords.ForgotPassword(body.email))
    return MessageOut(
        message="If an account with that email exists, a password reset link has been sent."
    )


@router.post(
    "/verify-email", response_model=VerifiedOut, responses=problems(*WITH_BODY, "bad_request")
)
async def verify_email(body: TokenIn, commands: CommandsDep, accounts: AccountsDep) -> VerifiedOut:
    return await _verify(body.token, commands, accounts)


@router.get("/verify-email/{token}", response_model=VerifiedOut, responses=problems("bad_request"))
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
) -> MessageOut:
    await limiter.hit("resend_verification", client, body.email)
    cmd = verification.ResendVerification(body.email)
    return MessageOut(
        message=(await commands.run(verification.resend_verification, accounts, cmd)).message
    )


async def _verify(token: str, commands: CommandsDep, accounts: AccountsDep) -> VerifiedOut:
    await commands.run(verification.verify_email, accounts, verification.VerifyEmail(token))
    return VerifiedOut(message="Email verified successfully")


def _agent(request: Request) -> str | None:
    """The User-Agent, kept with the login event."""
    return (request.headers.get("user-agent") or "")[:200] or None

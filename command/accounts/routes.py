"""The state-changing auth endpoints (API.md 3): signing in and out, the profile and the
password; recovery.py has the mailed-token ones. GET /auth/me is on the query side."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from command.accounts import handlers, passwords, profile
from command.accounts.deps import AccountsDep
from command.accounts.requests import (
    ChangePasswordIn,
    LoginIn,
    LogoutIn,
    ProfileIn,
    RefreshIn,
    RegisterIn,
)
from command.accounts.responses import auth_out, user_out
from command.deps import CommandsDep, KeyedCommandsDep, plain
from command.unit_of_work import UnitOfWork
from infra.deps import ClientAddress, CurrentUser, KeyRingDep, RateLimiterDep
from infra.security.login_guard import LoginGuard
from infra.security.rate_limits import by_account, by_address, by_client, by_session
from wire.base import MessageOut
from wire.errors import AUTHENTICATED, KEYED, WITH_BODY, problems
from wire.users import AuthOut, UserOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=problems("unavailable"))


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
    await limiter.hit("register", by_client(client))

    async def sign_up() -> tuple[int, Any]:
        password_hash = await run_in_threadpool(accounts.passwords.hash, body.password)
        cmd = handlers.Register.from_request(body, password_hash)
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
    await limiter.hit("login", by_client(client))
    guard = LoginGuard(limiter)
    account = await run_in_threadpool(handlers.subject, UnitOfWork(commands.store), body.identifier)
    guarded = await guard.admit(account, client)
    cmd = handlers.Login(body.identifier, body.password, _agent(request))
    try:
        signed_in = await commands.run(handlers.login, accounts, cmd)
    except handlers.InvalidCredentials:
        await guard.failed(account, client, guarded)
        raise
    return auth_out(signed_in, keyring)


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
    """Ends the caller's own session (its access token's `sid`), and the family of the
    refresh token sent if that is another session of the caller's."""
    cmd = handlers.Logout(user.user_id, user.session_id, body.refresh_token)
    return await commands.respond(
        handlers.logout, accounts, cmd, view=lambda _: LOGGED_OUT, owner=user.user_id
    )


@router.patch(
    "/me",
    response_model=UserOut,
    responses=problems(
        *WITH_BODY, *AUTHENTICATED, *KEYED, "bad_request", "conflict", "rate_limited"
    ),
)
async def update_me(
    body: ProfileIn,
    user: CurrentUser,
    commands: KeyedCommandsDep,
    accounts: AccountsDep,
    limiter: RateLimiterDep,
) -> JSONResponse:
    """A new `email` needs `current_password` and stays `pendingEmail` until verified."""
    await limiter.hit("profile", by_account(user.user_id))
    if body.email is not None:  # each change mails the new address: per account and address
        await limiter.hit("email_change", by_account(user.user_id), by_address(body.email))
    cmd = profile.UpdateProfile(
        user.user_id,
        user.session_id,
        body.email,
        body.username,
        body.name,
        body.phone,
        body.daily_digest,
        body.current_password,
    )
    return await commands.respond(
        profile.update_profile, accounts, cmd, view=user_out, owner=user.user_id
    )


@router.post(
    "/change-password",
    response_model=MessageOut,
    responses=problems(*WITH_BODY, *AUTHENTICATED, *KEYED, "bad_request", "rate_limited"),
)
async def change_password(
    body: ChangePasswordIn,
    user: CurrentUser,
    commands: KeyedCommandsDep,
    accounts: AccountsDep,
    limiter: RateLimiterDep,
) -> JSONResponse:
    """Per session, so a stolen token's guesses cannot block the owner's other sessions."""
    await limiter.hit("password_check", by_session(user.session_id))
    cmd = passwords.ChangePassword(
        user.user_id, user.session_id, body.current_password, body.new_password
    )
    return await commands.respond(
        passwords.change_password,
        accounts,
        cmd,
        view=lambda _: PASSWORD_CHANGED,
        owner=user.user_id,
    )


def _agent(request: Request) -> str | None:
    """The User-Agent, kept with the login event."""
    return (request.headers.get("user-agent") or "")[:200] or None

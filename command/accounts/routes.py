"""POST /auth/register and /auth/login."""

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from command.accounts import handlers
from command.accounts.requests import LoginIn, RegisterIn
from command.accounts.views import auth_out
from command.deps import CommandsDep, PasswordsDep, SessionsDep
from vitaltrack.deps import KeyRingDep
from vitaltrack.wire.users import AuthOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/register", status_code=201, response_model=AuthOut)
async def register(
    body: RegisterIn,
    commands: CommandsDep,
    passwords: PasswordsDep,
    sessions: SessionsDep,
    keyring: KeyRingDep,
) -> AuthOut:
    password_hash = await run_in_threadpool(passwords.hash, body.password)
    cmd = handlers.Register(body.email, body.username, body.name, body.phone, password_hash)
    signed_in = await commands.run(handlers.register, sessions, cmd)
    return auth_out(signed_in, keyring)


@router.post("/login", response_model=AuthOut)
async def login(
    body: LoginIn,
    commands: CommandsDep,
    passwords: PasswordsDep,
    sessions: SessionsDep,
    keyring: KeyRingDep,
) -> AuthOut:
    cmd = handlers.Login(body.identifier, body.password)
    signed_in = await commands.run(handlers.login, passwords, sessions, cmd)
    return auth_out(signed_in, keyring)

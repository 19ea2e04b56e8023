"""The page behind an invitation link (API.md 12 #7-8): it signs in (the invited address has
an account) or creates the account, then joins the household, whose default it becomes.
Same page rules as the other emailed links: escaped values, a strict CSP, no script."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from command.accounts import handlers
from command.accounts.deps import AccountsDep
from command.accounts.pages import message, page
from command.accounts.requests import DisplayName, Password
from command.accounts.tables import WrongPassword, check_password
from command.deps import CommandsDep
from command.households import handlers as households
from command.households.tables import invitation_of
from command.uniqueness import holder
from command.unit_of_work import UnitOfWork
from events.household import AlreadyMember, HouseholdFull, TooManyHouseholds
from events.index import email_key
from events.user import User
from infra.deps import ClientAddress, RateLimiterDep
from infra.security.login_guard import LoginGuard
from infra.security.rate_limits import by_client
from wire.errors import WITH_BODY, problems

router = APIRouter(prefix="/api/v1/households", tags=["households"], responses=problems())

TITLE = "Join a household"
BAD_LINK = "This invitation is invalid, used or expired. Ask for a new one."
HTML = {"text/html": {"schema": {"type": "string"}}}
PAGES: dict[int | str, dict[str, Any]] = {
    200: {"description": "A page", "content": HTML},
    400: {"description": "A page: the invitation is invalid, used or expired", "content": HTML},
}


@dataclass(frozen=True)
class _Invitation:
    id: UUID
    household_id: UUID
    household: str
    email: str
    role: str
    inviter: str
    account: UUID | None  # the invited address's account, if it has one


class _NewAccount(BaseModel):
    name: DisplayName
    password: Password


@router.get("/invitations/{token}", response_class=HTMLResponse, responses=PAGES)
async def invitation_page(token: str, commands: CommandsDep, accounts: AccountsDep) -> HTMLResponse:
    found = await run_in_threadpool(_invitation, UnitOfWork(commands.store), accounts, token)
    if found is None:
        return message(TITLE, BAD_LINK, 400)
    return _form(found)


@router.post(
    "/invitations/{token}",
    response_class=HTMLResponse,
    responses={**PAGES, **problems(*WITH_BODY, "rate_limited", pages=True)},
)
async def accept_invitation(
    token: str,
    request: Request,
    commands: CommandsDep,
    accounts: AccountsDep,
    limiter: RateLimiterDep,
    client: ClientAddress,
) -> HTMLResponse:
    found = await run_in_threadpool(_invitation, UnitOfWork(commands.store), accounts, token)
    if found is None:
        return message(TITLE, BAD_LINK, 400)
    form = {
        k: v[0]
        for k, v in parse_qs((await request.body()).decode(), keep_blank_values=True).items()
    }
    if found.account is not None:  # counted like a sign-in: the password is guessed here too
        await limiter.hit("login", by_client(client))
        guard = LoginGuard(limiter)
        guarded = await guard.admit(found.account, client)
        try:
            await run_in_threadpool(
                check_password, commands.store, accounts, found.account, form.get("password")
            )
        except WrongPassword:
            await guard.failed(found.account, client, guarded)
            return _form(found, error="The password is not right.", status=400)
        user_id = found.account
    else:
        created = await _create(found, form, commands, accounts)
        if isinstance(created, HTMLResponse):
            return created
        user_id = created
    join = households.Join(household_id=found.household_id, invitation_id=found.id, user_id=user_id)
    try:
        await commands.run(households.join, join)
    except (AlreadyMember, HouseholdFull, TooManyHouseholds) as exc:
        return message(TITLE, str(exc.__doc__), 400)
    done = f"You joined {found.household}. Open the app and sign in as {found.email}."
    return message("Welcome", done)


async def _create(
    found: _Invitation, form: dict[str, str], commands: CommandsDep, accounts: AccountsDep
) -> UUID | HTMLResponse:
    password = form.get("password", "")
    if password != form.get("confirm_password"):
        return _form(found, error="The two passwords differ.", name=form.get("name", ""))
    try:
        fields = _NewAccount(name=form.get("name", ""), password=password)
    except ValidationError as exc:
        error = exc.errors()[0]["msg"].removeprefix("Value error, ")
        return _form(found, error=error, name=form.get("name", ""))
    password_hash = await run_in_threadpool(accounts.passwords.hash, fields.password)
    cmd = handlers.Register(email=found.email, name=fields.name, password_hash=password_hash)
    signed_up = await commands.run(handlers.register, accounts, cmd)
    return UUID(str(signed_up.user.id))


def _invitation(uow: UnitOfWork, accounts: Any, token: str) -> _Invitation | None:
    row = invitation_of(uow.store, accounts.tokens.hash(token)) if token else None
    if row is None:
        return None
    inviter: User = uow.get(row["invited_by"])
    return _Invitation(
        id=row["id"],
        household_id=row["household_id"],
        household=row["household_name"],
        email=row["email"],
        role=row["role"],
        inviter=inviter.name,
        account=holder(uow, email_key(row["email"])),
    )


def _form(
    found: _Invitation, *, error: str | None = None, status: int = 400, name: str = ""
) -> HTMLResponse:
    return page(
        "invitation.html",
        status if error else 200,
        title=TITLE,
        household=found.household,
        inviter=found.inviter,
        role=found.role,
        email=found.email,
        existing=found.account is not None,
        error=error,
        name=name,
    )

"""What the emailed links open (API.md 3, rev. 2), and account deletion (API.md 3.1).

Reset password: GET shows a form, the form POSTs to the same path; the JSON POST of the app
keeps working there too. Verify email: a result page. Deletion: DELETE /auth/me mails a
link whose GET only previews (mail scanners follow links) and whose form POST deletes.
"""

import json
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, StringConstraints, ValidationError
from starlette.concurrency import run_in_threadpool

from command.accounts import deletion, passwords, verification
from command.accounts.deps import AccountsDep
from command.accounts.pages import message, page
from command.accounts.requests import Password, ResetPasswordIn
from command.accounts.tables import InvalidOneTimeToken
from command.deps import CommandsDep
from events.user import EmailTaken
from infra.deps import ClientAddress, CurrentUser, RateLimiterDep
from infra.security.rate_limits import by_client, by_session
from wire.base import MessageOut, WireModel
from wire.errors import AUTHENTICATED, WITH_BODY, problems

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=problems("unavailable"))

RESET_DONE = "Password has been reset. Please log in with your new password."
BAD_LINK = "This link is invalid or has expired."
TAKEN = "This address now belongs to another VitalTrack account."
FORM = "application/x-www-form-urlencoded"
M = TypeVar("M", bound=BaseModel)
HTML = {"text/html": {"schema": {"type": "string"}}}
BAD_LINK_PAGE: dict[int | str, dict[str, Any]] = {
    400: {"description": "A page: the link is invalid or expired", "content": HTML}
}


class _NewPassword(BaseModel):
    password: Password


class DeleteAccountIn(WireModel):
    """Accounts without a verified email confirm with their password and go at once."""

    password: Annotated[str, StringConstraints(max_length=128)] | None = None


def _parse(model: type[M], raw: bytes) -> M:
    """A JSON body, refused like FastAPI's own (422 validation_error with the list)."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


@router.get("/reset-password", response_class=HTMLResponse, responses=BAD_LINK_PAGE)
async def reset_password_page(
    commands: CommandsDep, accounts: AccountsDep, token: str = ""
) -> HTMLResponse:
    works = await run_in_threadpool(passwords.reset_token_works, commands.store, accounts, token)
    if not works:
        return message("Reset your password", BAD_LINK, 400)
    return page("reset_form.html", title="Choose a new password", token=token, error=None)


@router.post(
    "/reset-password",
    response_model=None,
    responses={
        200: {"model": MessageOut, "description": "Reset (a page for a form)", "content": HTML},
        **problems(*WITH_BODY, "bad_request", "rate_limited", pages=True),
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": ResetPasswordIn.model_json_schema()},
                FORM: {"schema": {"type": "object"}},
            }
        }
    },
)
async def reset_password(
    request: Request,
    commands: CommandsDep,
    accounts: AccountsDep,
    limiter: RateLimiterDep,
    client: ClientAddress,
) -> HTMLResponse | MessageOut:
    """JSON from the app; the page's form from a browser (answered with a page)."""
    await limiter.hit("reset_password", by_client(client))
    raw = await request.body()
    if request.headers.get("content-type", "").split(";")[0].strip() == FORM:
        return await _reset_by_form(raw, commands, accounts)
    body = _parse(ResetPasswordIn, raw or b"null")
    await _reset(body.token, body.new_password, commands, accounts)
    return MessageOut(message=RESET_DONE)


async def _reset_by_form(raw: bytes, commands: CommandsDep, accounts: AccountsDep) -> HTMLResponse:
    form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
    token, new = form.get("token", ""), form.get("new_password", "")
    error = None
    if new != form.get("confirm_password"):
        error = "The two passwords differ."
    else:
        try:
            _NewPassword(password=new)
        except ValidationError as exc:
            error = exc.errors()[0]["msg"].removeprefix("Value error, ")
    if error is not None:
        return page("reset_form.html", 400, title="Choose a new password", token=token, error=error)
    try:
        await _reset(token, new, commands, accounts)
    except InvalidOneTimeToken:
        return message("Reset your password", BAD_LINK, 400)
    return message("Password changed", RESET_DONE)


async def _reset(
    token: str, new_password: str, commands: CommandsDep, accounts: AccountsDep
) -> None:
    new_hash = await run_in_threadpool(accounts.passwords.hash, new_password)
    await commands.run(passwords.reset_password, accounts, passwords.ResetPassword(token, new_hash))


@router.get("/verify-email", response_class=HTMLResponse, responses=BAD_LINK_PAGE)
async def verify_email_page(
    commands: CommandsDep, accounts: AccountsDep, token: str = ""
) -> HTMLResponse:
    """The link in the verification email."""
    try:
        await commands.run(verification.verify_email, accounts, verification.VerifyEmail(token))
    except InvalidOneTimeToken:
        return message("Verify your email", BAD_LINK, 400)
    except EmailTaken:  # a pending address someone registered before this link was followed
        return message("Verify your email", TAKEN, 400)
    return message("Email verified", "Your email address is verified. You can return to the app.")


@router.delete(
    "/me",
    response_model=MessageOut,
    status_code=202,
    responses={
        200: {"model": MessageOut, "description": "Deleted (an account without email)"},
        **problems(
            *WITH_BODY,
            *AUTHENTICATED,
            "bad_request",
            "account_disabled",
            "rate_limited",
            "conflict",  # the owner of a shared household transfers it first (API.md 12)
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": DeleteAccountIn.model_json_schema()}},
        }
    },
)
async def delete_account(
    user: CurrentUser,
    commands: CommandsDep,
    accounts: AccountsDep,
    request: Request,
    limiter: RateLimiterDep,
) -> JSONResponse:
    """202 and a link mailed to the verified address; without one: the password, and 200."""
    await limiter.hit("password_check", by_session(user.session_id))
    raw = await request.body()
    body = _parse(DeleteAccountIn, raw) if raw else DeleteAccountIn()
    cmd = deletion.RequestDeletion(user.user_id, body.password)
    done = await commands.run(deletion.request_deletion, accounts, cmd)
    if done.verify_first:
        text = "Confirm your email address first (we sent you a link), then ask again."
        return JSONResponse(MessageOut(message=text).model_dump(), status_code=202)
    if done.mailed:
        text = "We sent you an email: open its link to confirm the deletion."
        return JSONResponse(MessageOut(message=text).model_dump(), status_code=202)
    return JSONResponse(MessageOut(message="Your account has been deleted.").model_dump())


@router.post(
    "/cancel-delete", response_model=MessageOut, responses=problems(*WITH_BODY, *AUTHENTICATED)
)
async def cancel_delete(
    user: CurrentUser, commands: CommandsDep, accounts: AccountsDep
) -> MessageOut:
    await commands.run(deletion.cancel_deletion, accounts, user.user_id)
    return MessageOut(message="The account deletion was cancelled.")


@router.get("/confirm-delete/{token}", response_class=HTMLResponse, responses=BAD_LINK_PAGE)
async def confirm_delete_page(
    token: str, commands: CommandsDep, accounts: AccountsDep
) -> HTMLResponse:
    """A preview with a button: opening the link deletes nothing."""
    account = await run_in_threadpool(deletion.deletion_holder, commands.store, accounts, token)
    if account is None:
        return message("Delete your account", BAD_LINK, 400)
    return page("delete_confirm.html", title="Delete your account", account=account)


@router.post(
    "/confirm-delete/{token}",
    response_class=HTMLResponse,
    response_model=None,
    responses=problems(*WITH_BODY, "bad_request", pages=True),
)
async def confirm_delete(
    token: str, request: Request, commands: CommandsDep, accounts: AccountsDep
) -> HTMLResponse | JSONResponse:
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        await commands.run(deletion.confirm_deletion, accounts, deletion.ConfirmDeletion(token))
    except InvalidOneTimeToken:
        if wants_json:
            raise
        return message("Delete your account", BAD_LINK, 400)
    done = "Your account and everything in it have been deleted."
    if wants_json:
        return JSONResponse(json.loads(MessageOut(message=done).model_dump_json()))
    return message("Account deleted", done)

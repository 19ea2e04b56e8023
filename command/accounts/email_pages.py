"""The page behind the link mailed to the old address when an email change is asked for
(email_change.py): a GET previews (mail scanners follow links), its form POST undoes."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from command.accounts import email_change
from command.accounts.deps import AccountsDep
from command.accounts.links import BAD_LINK, BAD_LINK_PAGE, TAKEN
from command.accounts.pages import message, page
from command.accounts.tables import InvalidOneTimeToken
from command.deps import CommandsDep
from events.user import AccountDisabled, EmailTaken
from wire.errors import WITH_BODY, problems

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

TITLE = "Undo an email change"


@router.get("/undo-email-change", response_class=HTMLResponse, responses=BAD_LINK_PAGE)
async def undo_email_change_page(
    commands: CommandsDep, accounts: AccountsDep, token: str = ""
) -> HTMLResponse:
    address = await run_in_threadpool(email_change.undo_holder, commands.store, accounts, token)
    if address is None:
        return message(TITLE, BAD_LINK, 400)
    return page("undo_confirm.html", title=TITLE, address=address)


@router.post(
    "/undo-email-change",
    response_class=HTMLResponse,
    responses=problems(*WITH_BODY, "bad_request", pages=True),
)
async def undo_email_change(
    commands: CommandsDep, accounts: AccountsDep, token: str = ""
) -> HTMLResponse:
    """The form posts back to the page's own address, token in the query."""
    try:
        undone = await commands.run(
            email_change.undo, accounts, email_change.UndoEmailChange(token)
        )
    except (InvalidOneTimeToken, AccountDisabled):
        return message(TITLE, BAD_LINK, 400)
    except EmailTaken:
        return message(TITLE, TAKEN, 400)
    what = "is your account's address again" if undone.restored else "stays your account's address"
    return message(
        "Email change undone",
        f"{undone.email} {what}, and every device is signed out. Now choose a new password "
        'with "Forgot password" in the app.',
    )

"""Helpers for households: invitations through the emailed link, as a caregiver would."""

import re
from typing import Any, cast
from urllib.parse import urlsplit

import httpx

from tests.api.accounts import PASSWORD, Account
from tests.smtp import Mailbox

H = "/api/v1/households"


def link_in(body: str) -> str:
    match = re.search(r"(https?://\S+)", body)
    assert match, body
    return urlsplit(match.group(1)).path


async def invite(
    client: httpx.AsyncClient, owner: Account, mailbox: Mailbox, email: str, role: str
) -> str:
    """The invitation's link (its path), as mailed to `email`."""
    mailed = len([m for m in mailbox.messages_to(email) if "Join" in m.subject])
    made = await client.post(
        f"{H}/current/invitations", json={"email": email, "role": role}, headers=owner.headers
    )
    assert made.status_code == 201, made.text
    return link_in((await mailbox.wait_for(email, "Join", count=mailed + 1)).body)


async def accept_as_new(
    client: httpx.AsyncClient, link: str, name: str = "Sam Nurse"
) -> httpx.Response:
    form = {"name": name, "password": PASSWORD, "confirm_password": PASSWORD}
    return await client.post(link, data=form)


async def sign_in(client: httpx.AsyncClient, email: str) -> Account:
    answer = await client.post(
        "/api/v1/auth/login", json={"identifier": email, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Account(body["user"]["id"], email, body["access_token"], body["refresh_token"])


async def member(
    client: httpx.AsyncClient, owner: Account, mailbox: Mailbox, email: str, role: str
) -> Account:
    """A new account that joined `owner`'s household with `role`, signed in."""
    link = await invite(client, owner, mailbox, email, role)
    joined = await accept_as_new(client, link)
    assert joined.status_code == 200, joined.text
    return await sign_in(client, email)


async def current(client: httpx.AsyncClient, who: Account, **headers: str) -> dict[str, Any]:
    answer = await client.get(f"{H}/current", headers={**who.headers, **headers})
    assert answer.status_code == 200, answer.text
    return cast(dict[str, Any], answer.json())


async def join_as(
    client: httpx.AsyncClient, owner: Account, mailbox: Mailbox, who: Account, role: str
) -> dict[str, str]:
    """`who`, an account already, joins `owner`'s household with its password through the
    mailed link; the headers that act on that household."""
    link = await invite(client, owner, mailbox, who.email, role)
    joined = await client.post(link, data={"password": PASSWORD})
    assert joined.status_code == 200, joined.text
    return {**who.headers, "X-Household-Id": owner.user_id}


async def set_household(client: httpx.AsyncClient, owner: Account, **settings: Any) -> None:
    """PATCH /households/current with `settings` (wire names: timeZone, leadTimeDays, ...)."""
    changed = await client.patch(f"{H}/current", json=settings, headers=owner.headers)
    assert changed.status_code == 200, changed.text

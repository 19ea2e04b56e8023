"""Helpers to create accounts through the API, as a phone would."""

import re
import uuid
from dataclasses import dataclass

import httpx

from tests.smtp import Mailbox

PASSWORD = "Sup3rSecret"


@dataclass(frozen=True)
class Account:
    user_id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register(client: httpx.AsyncClient, email: str | None = None, **fields: str) -> Account:
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Test User", **fields}
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    return Account(data["user"]["id"], email, data["access_token"], data["refresh_token"])


def code_in(body: str) -> str:
    """The code a verification mail carries."""
    match = re.search(r"code in the app[^:]*:\s*(\S+)", body)
    assert match, body
    return match[1]


async def verify(client: httpx.AsyncClient, mailbox: Mailbox, email: str, count: int = 1) -> None:
    """Follow the `count`-th verification mail to `email` (reset and deletion links go only
    to a verified address)."""
    mail = await mailbox.wait_for(email, "Verify", count)
    answer = await client.post("/api/v1/auth/verify-email", json={"token": code_in(mail.body)})
    assert answer.status_code == 200, answer.text

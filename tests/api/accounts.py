"""Helpers to create accounts through the API, as a phone would."""

import uuid
from dataclasses import dataclass

import httpx

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

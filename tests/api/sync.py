"""Helpers that behave like phones talking to /sync."""

import uuid
from typing import Any, cast

import httpx

from tests.api.accounts import Account

SYNC = "/api/v1/sync"


def op(type_: str, entity: str, **fields: Any) -> dict[str, Any]:
    return {"id": fields.pop("id", uuid.uuid4().hex), "type": type_, "entity": entity, **fields}


async def push(
    client: httpx.AsyncClient, who: Account, *ops: dict[str, Any], mode: str | None = "ops"
) -> dict[str, Any]:
    body: dict[str, Any] = {"operations": list(ops)}
    if mode:
        body["mode"] = mode
    response = await client.post(f"{SYNC}/push", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    return cast(dict[str, Any], response.json())


async def pull(
    client: httpx.AsyncClient, who: Account, cursor: str | None = None, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{SYNC}/pull", json={"cursor": cursor, **body}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    return cast(dict[str, Any], response.json())

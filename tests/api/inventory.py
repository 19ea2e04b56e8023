"""Helpers to build a household's inventory through the API."""

from typing import Any, cast

import httpx

from tests.api.accounts import Account


async def category(
    client: httpx.AsyncClient, who: Account, name: str = "Medication"
) -> dict[str, Any]:
    response = await client.post("/api/v1/categories", json={"name": name}, headers=who.headers)
    assert response.status_code == 201, response.text
    return cast(dict[str, Any], response.json())


async def item(
    client: httpx.AsyncClient, who: Account, category_id: str, **fields: object
) -> dict[str, Any]:
    body = {"categoryId": category_id, "name": "Saline", **fields}
    response = await client.post("/api/v1/items", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    return cast(dict[str, Any], response.json())


async def stock(
    client: httpx.AsyncClient, who: Account, item_id: str, **body: object
) -> httpx.Response:
    return await client.patch(f"/api/v1/items/{item_id}/stock", json=body, headers=who.headers)


async def get(client: httpx.AsyncClient, who: Account, path: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1{path}", headers=who.headers)
    assert response.status_code == 200, response.text
    return cast(dict[str, Any], response.json())

"""Input bounds (API.md 1.7): every poison vector is a 4xx before anything is stored, and
the read side keeps up afterwards (no event that cannot be projected reached the log)."""

import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.api.accounts import PASSWORD, Account
from tests.api.inventory import category, get
from tests.api.sync import SYNC

NUL, SOH, SURROGATE = "\u0000", "\u0001", "\ud800"


def raw(body: dict[str, Any]) -> bytes:
    """JSON as a client may send it: lone surrogates escaped (json.dumps keeps them)."""
    return json.dumps(body).encode()


async def send(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any], **kw: Any
) -> httpx.Response:
    headers = {"content-type": "application/json", **kw.pop("headers", {})}
    return await client.request(method, path, content=raw(body), headers=headers, **kw)


@pytest.mark.parametrize("bad", [NUL, SOH, "\r", SURROGATE, "a\x1fb"])
async def test_text_a_column_cannot_hold_is_refused_everywhere(
    client: httpx.AsyncClient, alice: Account, bad: str
) -> None:
    meds = await category(client, alice)
    attempts = [
        (
            "POST",
            "/api/v1/auth/register",
            {"email": "x@example.com", "password": PASSWORD, "name": f"A{bad}"},
        ),
        ("POST", "/api/v1/categories", {"name": f"Meds{bad}"}),
        ("POST", "/api/v1/items", {"categoryId": meds["id"], "name": "Saline", "notes": bad}),
        (
            "POST",
            f"{SYNC}/push",
            {
                "operations": [
                    {
                        "id": f"op{bad}",
                        "type": "create",
                        "entity": "category",
                        "data": {"name": "X"},
                    }
                ]
            },
        ),
        (
            "POST",
            f"{SYNC}/push",
            {
                "operations": [
                    {"id": "op1", "type": "create", "entity": "item", "localId": bad, "data": {}}
                ]
            },
        ),
        (
            "POST",
            f"{SYNC}/push",
            {
                "operations": [
                    {"id": "op2", "type": "create", "entity": "item", "data": {f"k{bad}": 1}}
                ]
            },
        ),
    ]
    for method, path, body in attempts:
        response = await send(client, method, path, body, headers=alice.headers)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["code"] == "validation_error"
        assert response.json()["detail"][0]["loc"][0] == "body"
    escaped = quote(bad.encode("utf-8", "surrogatepass"))  # as a client percent-encodes it
    for query in (f"search=a{escaped}", f"categoryId={escaped}"):
        response = await client.get(f"/api/v1/items?{query}", headers=alice.headers)
        assert response.status_code == 422, query
    response = await client.get(f"/api/v1/items/a{escaped}b", headers=alice.headers)
    assert response.status_code in (404, 422) if bad == SURROGATE else response.status_code == 422
    await still_keeping_up(client, alice)


async def test_text_that_columns_hold_is_stored_exactly(
    client: httpx.AsyncClient, alice: Account
) -> None:
    name = "דם 🩸 e\u0301\ttab"
    created = await category(client, alice, name)
    notes = "line one\nline two"
    body = {"categoryId": created["id"], "name": "Saline", "notes": notes}
    item = (await send(client, "POST", "/api/v1/items", body, headers=alice.headers)).json()
    assert (created["name"], item["notes"]) == (name, notes)


async def test_integers_beyond_their_columns_are_refused(
    client: httpx.AsyncClient, alice: Account
) -> None:
    for body in ({"name": "A", "displayOrder": 2**31}, {"name": "B", "displayOrder": -1}):
        response = await client.post("/api/v1/categories", json=body, headers=alice.headers)
        assert response.status_code == 422, body
    meds = await category(client, alice)
    put = await client.put(
        f"/api/v1/categories/{meds['id']}", json={"displayOrder": 10**20}, headers=alice.headers
    )
    assert put.status_code == 422
    ops = [
        {
            "id": "big",
            "type": "create",
            "entity": "category",
            "data": {"name": "C", "displayOrder": 2**40},
        }
    ]
    pushed = await client.post(
        f"{SYNC}/push", json={"operations": ops, "mode": "ops"}, headers=alice.headers
    )
    assert pushed.json()["results"][0]["status"] == "rejected"
    await still_keeping_up(client, alice)


async def test_oversized_and_overnested_bodies_are_refused(
    client: httpx.AsyncClient, alice: Account
) -> None:
    big = {"name": "x", "description": "y" * (1024 * 1024)}
    response = await client.post("/api/v1/categories", json=big, headers=alice.headers)
    assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")
    deep = "[" * 100_000 + "]" * 100_000
    response = await client.post(
        f"{SYNC}/push",
        content=deep.encode(),
        headers={**alice.headers, "content-type": "application/json"},
    )
    assert response.status_code == 422
    broken = await client.post(
        "/api/v1/categories",
        content=b'{"name": ',
        headers={**alice.headers, "content-type": "application/json"},
    )
    assert broken.status_code == 422
    for not_utf8 in (b"=\xff2", b'{"name": "\xc3"}'):  # found by the schema fuzz: was 400
        refused = await client.post(
            "/api/v1/auth/register",
            content=not_utf8,
            headers={"content-type": "application/json"},
        )
        assert (refused.status_code, refused.json()["code"]) == (422, "validation_error")
    await still_keeping_up(client, alice)


async def still_keeping_up(client: httpx.AsyncClient, who: Account) -> None:
    """A normal write right after is visible at once, and the read side reports no lag."""
    created = await category(client, who, "After the attempts")
    names = [c["name"] for c in (await get(client, who, "/categories"))["categories"]]
    assert created["name"] in names
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text

"""POST /items/stocktake (API.md 13 #4): every difference set at once, or nothing; the drift."""

from typing import Any

import httpx
import pytest

from tests.api.accounts import Account, register
from tests.api.households import join_as
from tests.api.inventory import category, get, item, stock
from tests.smtp import Mailbox


async def shelf(client: httpx.AsyncClient, who: Account, *quantities: int) -> list[dict[str, Any]]:
    meds = await category(client, who)
    return [
        await item(client, who, meds["id"], name=f"Item {n}", quantity=q)
        for n, q in enumerate(quantities)
    ]


async def count(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    return await client.post("/api/v1/items/stocktake", json=body, headers=headers)


async def quantities(client: httpx.AsyncClient, who: Account) -> list[int]:
    page = await get(client, who, "/items")
    return [i["quantity"] for i in page["items"]]


async def test_the_differences_are_set_and_reported_as_drift(
    client: httpx.AsyncClient, alice: Account
) -> None:
    a, b, c = await shelf(client, alice, 10, 5, 7)
    body = {
        "counts": [
            {"itemId": a["id"], "quantity": 8},
            {"itemId": b["id"], "quantity": 5},
            {"item_id": c["id"], "quantity": 9},
        ],
        "note": "Monthly count",
    }
    response = await count(client, alice.headers, body)
    assert response.status_code == 200
    assert response.json() == {
        "adjusted": [
            {"itemId": a["id"], "name": "Item 0", "expected": 10, "counted": 8, "difference": -2},
            {"itemId": c["id"], "name": "Item 2", "expected": 7, "counted": 9, "difference": 2},
        ],
        "unchanged": 1,
    }
    assert await quantities(client, alice) == [8, 5, 9]
    history = await get(client, alice, f"/items/{a['id']}/history")
    change = history["entries"][-1]["change"]
    assert change == {
        "from": 10,
        "to": 8,
        "delta": -2,
        "reason": "stocktake",
        "note": "Monthly count",
    }
    activity = await get(client, alice, "/activity?action=stock_update")
    assert "stocktake (Monthly count)" in activity["entries"][0]["details"]


async def test_a_recount_is_never_counted_as_use(client: httpx.AsyncClient, alice: Account) -> None:
    (a,) = await shelf(client, alice, 10)
    await stock(client, alice, a["id"], delta=-7, reason="used")
    assert (
        await count(client, alice.headers, {"counts": [{"itemId": a["id"], "quantity": 0}]})
    ).status_code == 200
    forecast = await get(client, alice, "/items/forecast")
    assert forecast["items"][0]["dailyUsage"] == 1.0  # the 7 used, not the 3 found missing


async def test_an_id_not_in_the_household_changes_nothing(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    a, b = await shelf(client, alice, 10, 5)
    (theirs,) = await shelf(client, bob, 1)
    gone = await item(client, alice, a["categoryId"], name="Gone", quantity=3)
    await client.delete(f"/api/v1/items/{gone['id']}", headers=alice.headers)
    for stranger in (theirs["id"], gone["id"], "0b9e6c1e-5a3f-4c9e-8f1a-2d6e7c8b9a0f"):
        body = {
            "counts": [
                {"itemId": a["id"], "quantity": 1},
                {"itemId": stranger, "quantity": 2},
                {"itemId": b["id"], "quantity": 3},
            ]
        }
        response = await count(client, alice.headers, body)
        assert (response.status_code, response.json()["code"]) == (400, "bad_request")
        assert stranger in response.json()["detail"]
    assert await quantities(client, alice) == [10, 5]
    assert (await get(client, alice, f"/items/{a['id']}"))["version"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"counts": []},
        {"counts": [{"itemId": "not-an-id", "quantity": 1}]},
        {"counts": [{"quantity": 1}]},
        {"counts": [{"itemId": "0b9e6c1e-5a3f-4c9e-8f1a-2d6e7c8b9a0f", "quantity": -1}]},
        {"counts": [{"itemId": "0b9e6c1e-5a3f-4c9e-8f1a-2d6e7c8b9a0f", "quantity": 1_000_000}]},
        {"counts": [{"itemId": "0b9e6c1e-5a3f-4c9e-8f1a-2d6e7c8b9a0f", "quantity": "3"}]},
        {
            "counts": [{"itemId": "0b9e6c1e-5a3f-4c9e-8f1a-2d6e7c8b9a0f", "quantity": 1}],
            "note": "n" * 256,
        },
        {"counts": [{"itemId": "0b9e6c1e-5a3f-4c9e-8f1a-2d6e7c8b9a0f", "quantity": 1}] * 2},
        {
            "counts": [
                {"itemId": f"0b9e6c1e-5a3f-4c9e-8f1a-{n:012x}", "quantity": 1} for n in range(1001)
            ]
        },
    ],
    ids=["none", "bad id", "no id", "negative", "too many", "text", "long note", "twice", "1001"],
)
async def test_bad_counts_are_refused(
    client: httpx.AsyncClient, alice: Account, body: dict[str, Any]
) -> None:
    response = await count(client, alice.headers, body)
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")


async def test_a_retry_with_the_same_key_answers_the_first_drift_again(
    client: httpx.AsyncClient, alice: Account
) -> None:
    (a,) = await shelf(client, alice, 10)
    body = {"counts": [{"itemId": a["id"], "quantity": 4}]}
    keyed = {**alice.headers, "Idempotency-Key": "count-1"}
    first = await count(client, keyed, body)
    await stock(client, alice, a["id"], delta=3)
    again = await count(client, keyed, body)
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (200, "true")
    assert again.json() == first.json()
    assert await quantities(client, alice) == [7]
    other = await count(client, keyed, {"counts": [{"itemId": a["id"], "quantity": 5}]})
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")


async def test_caregivers_count_and_viewers_may_not(
    client: httpx.AsyncClient, alice: Account, bob: Account, mailbox: Mailbox
) -> None:
    (a,) = await shelf(client, alice, 10)
    body = {"counts": [{"itemId": a["id"], "quantity": 6}]}
    viewer = await join_as(client, alice, mailbox, bob, "viewer")
    refused = await count(client, viewer, body)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert await quantities(client, alice) == [10]
    carol = await register_caregiver(client, mailbox, alice)
    assert (await count(client, carol, body)).status_code == 200
    assert await quantities(client, alice) == [6]


async def register_caregiver(
    client: httpx.AsyncClient, mailbox: Mailbox, owner: Account
) -> dict[str, str]:
    carol = await register(client, "carol@example.com")
    return await join_as(client, owner, mailbox, carol, "caregiver")

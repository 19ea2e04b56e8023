"""POST /orders/suggested (API.md 13 #2): a pending order of what the forecast says to reorder."""

from typing import Any

import httpx
import pytest

from tests.api.accounts import Account
from tests.api.households import join_as
from tests.api.inventory import category, get, item, stock
from tests.smtp import Mailbox


async def suggest(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post("/api/v1/orders/suggested", json=body, headers=headers)


async def stocked(client: httpx.AsyncClient, who: Account) -> dict[str, str]:
    """A shelf: names to ids."""
    meds = await category(client, who)
    made = {}
    for name, quantity, minimum, use in [
        ("Saline", 20, 5, 14),  # 6 left at 2 a day: 65 to order
        ("Gloves", 0, 4, 0),  # out, no use: up to its minimum
        ("Masks", 3, 5, 0),  # low: up to its minimum
        ("Needles", 0, 0, 0),  # out, but nothing to suggest
        ("Later", 54, 0, 14),  # out in 20 days: listed within 20 or more
    ]:
        body = {"name": name, "quantity": quantity, "minimumStock": minimum}
        made[name] = (await item(client, who, meds["id"], **body))["id"]
        if use:
            assert (await stock(client, who, made[name], delta=-use)).status_code == 200
    return made


async def test_each_listed_item_is_ordered_for_its_suggested_quantity(
    client: httpx.AsyncClient, alice: Account
) -> None:
    made = await stocked(client, alice)
    response = await suggest(client, alice.headers, {})
    assert response.status_code == 201
    order = response.json()["order"]
    assert (order["status"], order["totalItems"], order["totalUnits"]) == ("pending", 3, 71)
    lines = [(line["itemId"], line["name"], line["quantity"]) for line in order["items"]]
    assert lines == [
        (made["Gloves"], "Gloves", 4),  # out
        (made["Saline"], "Saline", 65),  # reorder now: ceil(2 x 33) + 5 - 6
        (made["Masks"], "Masks", 2),  # low
    ]
    assert order["items"][1]["currentStock"] == 6
    listed = await get(client, alice, "/orders")
    assert [o["orderId"] for o in listed["orders"]] == [order["orderId"]]


async def test_cover_days_and_within_days_change_what_is_ordered(
    client: httpx.AsyncClient, alice: Account
) -> None:
    made = await stocked(client, alice)
    short = (await suggest(client, alice.headers, {"coverDays": 5})).json()["order"]
    saline = next(line for line in short["items"] if line["itemId"] == made["Saline"])
    assert saline["quantity"] == 2 * (3 + 5) + 5 - 6
    far = (await suggest(client, alice.headers, {"withinDays": 365})).json()["order"]
    assert made["Later"] in {line["itemId"] for line in far["items"]}


async def test_nothing_to_order_answers_no_order(client: httpx.AsyncClient, alice: Account) -> None:
    meds = await category(client, alice)
    await item(client, alice, meds["id"], quantity=50, minimumStock=5)
    for body in (None, {}, {"withinDays": 0, "within_days": 0}):
        response = await suggest(client, alice.headers, body)
        assert (response.status_code, response.json()) == (200, {"order": None})
    assert (await get(client, alice, "/orders"))["total"] == 0


async def test_a_retry_with_the_same_key_answers_the_same_order(
    client: httpx.AsyncClient, alice: Account
) -> None:
    await stocked(client, alice)
    keyed = {**alice.headers, "Idempotency-Key": "suggest-1"}
    first = await suggest(client, keyed, {})
    again = await suggest(client, keyed, {})
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == first.json()
    assert (await get(client, alice, "/orders"))["total"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"withinDays": 366},
        {"withinDays": -1},
        {"coverDays": 0},
        {"coverDays": 366},
        {"coverDays": "7"},
    ],
)
async def test_days_out_of_range_are_refused(
    client: httpx.AsyncClient, alice: Account, body: dict[str, Any]
) -> None:
    response = await suggest(client, alice.headers, body)
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")


async def test_viewers_may_not_order(
    client: httpx.AsyncClient, alice: Account, bob: Account, mailbox: Mailbox
) -> None:
    await stocked(client, alice)
    viewer = await join_as(client, alice, mailbox, bob, "viewer")
    refused = await suggest(client, viewer, {})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert (await get(client, alice, "/orders"))["total"] == 0

"""Orders (API.md 6): numbering, lines as snapshots, the status table, apply exactly once."""

import asyncio
import re
from datetime import UTC, datetime
from typing import Any, cast

import httpx

from tests.api.accounts import Account
from tests.api.inventory import category, get, item, stock

ORDERS = "/api/v1/orders"


async def order(
    client: httpx.AsyncClient, who: Account, *lines: dict[str, Any], **body: object
) -> dict[str, Any]:
    response = await client.post(ORDERS, json={"items": list(lines), **body}, headers=who.headers)
    assert response.status_code == 201, response.text
    return cast(dict[str, Any], response.json())


async def move(
    client: httpx.AsyncClient, who: Account, ref: str, status: str, **body: object
) -> httpx.Response:
    return await client.patch(
        f"{ORDERS}/{ref}/status", json={"status": status, **body}, headers=who.headers
    )


async def received_order(
    client: httpx.AsyncClient, who: Account, *lines: dict[str, Any]
) -> dict[str, Any]:
    created = await order(client, who, *lines)
    await move(client, who, created["id"], "ordered")
    return cast(dict[str, Any], (await move(client, who, created["id"], "received")).json())


async def test_create_snapshots_items_and_numbers_per_day(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"], quantity=2, minimumStock=5, brand="Acme")
    first = await order(
        client,
        alice,
        {"itemId": saline["id"], "quantity": 10, "isEssential": True, "notes": "urgent", "id": "x"},
        notes="weekly",
        localId="o-1",
        orderId="ORD-CLIENT-SENT",
        status="received",
    )
    today = datetime.now(UTC).strftime("%Y%m%d")
    assert first["orderId"] == f"ORD-{today}-0001"
    assert (first["status"], first["version"], first["notes"], first["localId"]) == (
        "pending",
        1,
        "weekly",
        "o-1",
    )
    assert (first["totalItems"], first["totalUnits"]) == (1, 10)
    (line,) = first["items"]
    assert line["orderId"] == first["id"]
    assert (line["name"], line["brand"], line["currentStock"], line["minimumStock"]) == (
        "Saline",
        "Acme",
        2,
        5,
    )
    assert (line["categoryName"], line["isEssential"], line["notes"]) == (
        "Medication",
        True,
        "urgent",
    )
    second = await order(client, alice, {"itemId": saline["id"]})
    assert second["orderId"] == f"ORD-{today}-0002"
    assert second["items"][0]["quantity"] == 1
    by_human_id = await get(client, alice, f"/orders/{first['orderId']}")
    assert by_human_id == await get(client, alice, f"/orders/{first['id']}") == first


async def test_concurrent_creates_get_distinct_numbers(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"])
    responses = await asyncio.gather(
        *(
            client.post(ORDERS, json={"items": [{"itemId": saline["id"]}]}, headers=alice.headers)
            for _ in range(8)
        )
    )
    numbers = sorted(r.json()["orderId"] for r in responses)
    assert [int(n[-4:]) for n in numbers] == list(range(1, 9))
    bobs = await item(client, bob, (await category(client, bob))["id"])
    bob_first = await order(client, bob, {"itemId": bobs["id"]})
    assert re.fullmatch(r"ORD-\d{8}-0001", bob_first["orderId"])  # per owner


async def test_create_rejects_unknown_items_and_bad_lines(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    bobs = await item(client, bob, (await category(client, bob))["id"])
    for lines in ([{"itemId": bobs["id"]}], [{"itemId": "nope"}]):
        response = await client.post(ORDERS, json={"items": lines}, headers=alice.headers)
        assert response.status_code == 400
        assert response.json()["code"] == "bad_request"
    mine = await item(client, alice, (await category(client, alice))["id"])
    body: dict[str, Any]
    for body in ({"items": []}, {}, {"items": [{"itemId": mine["id"], "quantity": 0}]}):
        assert (await client.post(ORDERS, json=body, headers=alice.headers)).status_code == 422
    assert (await get(client, alice, "/orders"))["total"] == 0


async def test_status_table_is_enforced(client: httpx.AsyncClient, alice: Account) -> None:
    saline = await item(client, alice, (await category(client, alice))["id"])
    created = await order(client, alice, {"itemId": saline["id"]})
    ref = created["orderId"]
    response = await move(client, alice, ref, "stock_updated")  # only apply gets there
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    for unknown in ("cancelled", "completed", "shipped"):
        assert (await move(client, alice, ref, unknown)).status_code == 422
    same = await move(client, alice, ref, "pending")
    assert (same.status_code, same.json()["version"]) == (200, 1)
    ordered = (await move(client, alice, ref, "ordered", notes="called supplier")).json()
    assert (ordered["status"], ordered["version"], ordered["notes"]) == (
        "ordered",
        2,
        "called supplier",
    )
    assert ordered["orderedAt"] is not None
    stale = await move(client, alice, ref, "received", expectedVersion=1)
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    partial = (await move(client, alice, ref, "partially_received")).json()
    received = (await move(client, alice, ref, "received")).json()
    assert (partial["status"], received["status"]) == ("partially_received", "received")
    assert received["receivedAt"] is not None
    assert (await move(client, alice, ref, "declined")).status_code == 409


async def test_a_pending_order_can_be_received_as_the_app_does(
    client: httpx.AsyncClient, alice: Account
) -> None:
    # The app's only action on a pending order (API.md 6.2 rev. 2): receive it, then apply.
    saline = await item(client, alice, (await category(client, alice))["id"], quantity=1)
    created = await order(client, alice, {"itemId": saline["id"], "quantity": 4})
    received = await move(client, alice, created["id"], "received")
    assert received.status_code == 200
    assert (received.json()["status"], received.json()["version"]) == ("received", 2)
    assert received.json()["receivedAt"] is not None
    applied = await client.post(f"{ORDERS}/{created['id']}/apply", headers=alice.headers)
    assert applied.status_code == 200
    assert (await get(client, alice, f"/items/{saline['id']}"))["quantity"] == 5


async def test_apply_adds_stock_once_and_skips_deleted_items(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"], name="Saline", quantity=1)
    gauze = await item(client, alice, meds["id"], name="Gauze", quantity=0)
    gone = await item(client, alice, meds["id"], name="Gone")
    received = await received_order(
        client,
        alice,
        {"itemId": saline["id"], "quantity": 5},
        {"itemId": gauze["id"], "quantity": 2},
        {"itemId": saline["id"], "quantity": 1},
        {"itemId": gone["id"], "quantity": 9},
    )
    await client.delete(f"/api/v1/items/{gone['id']}", headers=alice.headers)
    await stock(client, alice, saline["id"], delta=1)  # a concurrent-style change still counts

    applied = await client.post(f"{ORDERS}/{received['orderId']}/apply", headers=alice.headers)
    assert applied.status_code == 200
    assert applied.json()["status"] == "stock_updated"
    assert applied.json()["appliedAt"] is not None
    assert (await get(client, alice, f"/items/{saline['id']}"))["quantity"] == 1 + 1 + 5 + 1
    assert (await get(client, alice, f"/items/{gauze['id']}"))["quantity"] == 2
    history = await get(client, alice, f"/items/{saline['id']}/history")
    reasons = [
        e["change"]["reason"] for e in history["entries"] if e["type"] == "item.stock_changed"
    ]
    assert reasons.count(f"order {received['orderId']}") == 2
    via = [
        e["actor"]["via"]
        for e in history["entries"]
        if e["type"] == "item.stock_changed" and (e["change"]["reason"] or "").startswith("order")
    ]
    assert via == ["order_apply", "order_apply"]
    entry = (await get(client, alice, "/activity?action=order_applied"))["entries"][0]
    assert gone["id"] in entry["details"]

    again = await client.post(f"{ORDERS}/{received['id']}/apply", headers=alice.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "already_applied"
    assert (await get(client, alice, f"/items/{saline['id']}"))["quantity"] == 8


async def test_apply_needs_a_received_order(client: httpx.AsyncClient, alice: Account) -> None:
    saline = await item(client, alice, (await category(client, alice))["id"])
    created = await order(client, alice, {"itemId": saline["id"]})
    response = await client.post(f"{ORDERS}/{created['id']}/apply", headers=alice.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


async def test_concurrent_double_apply_adds_stock_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    saline = await item(client, alice, (await category(client, alice))["id"], quantity=0)
    received = await received_order(client, alice, {"itemId": saline["id"], "quantity": 4})
    responses = await asyncio.gather(
        *(client.post(f"{ORDERS}/{received['id']}/apply", headers=alice.headers) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_applied"}
    assert (await get(client, alice, f"/items/{saline['id']}"))["quantity"] == 4


async def test_apply_with_an_idempotency_key_replays_the_first_answer(
    client: httpx.AsyncClient, alice: Account
) -> None:
    saline = await item(client, alice, (await category(client, alice))["id"], quantity=0)
    received = await received_order(client, alice, {"itemId": saline["id"], "quantity": 3})
    headers = {**alice.headers, "Idempotency-Key": "apply-1"}
    first = await client.post(f"{ORDERS}/{received['id']}/apply", headers=headers)
    retry = await client.post(f"{ORDERS}/{received['id']}/apply", headers=headers)
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert (await get(client, alice, f"/items/{saline['id']}"))["quantity"] == 3


async def test_delete_only_pending_or_declined(client: httpx.AsyncClient, alice: Account) -> None:
    saline = await item(client, alice, (await category(client, alice))["id"])
    pending = await order(client, alice, {"itemId": saline["id"]})
    ordered = await order(client, alice, {"itemId": saline["id"]})
    await move(client, alice, ordered["id"], "ordered")
    refused = await client.delete(f"{ORDERS}/{ordered['id']}", headers=alice.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_transition"
    deleted = await client.delete(f"{ORDERS}/{pending['orderId']}", headers=alice.headers)
    assert deleted.json() == {"success": True, "message": f"Order '{pending['orderId']}' deleted"}
    assert (await client.get(f"{ORDERS}/{pending['id']}", headers=alice.headers)).status_code == 404
    await move(client, alice, ordered["id"], "declined")
    assert (
        await client.delete(f"{ORDERS}/{ordered['id']}", headers=alice.headers)
    ).status_code == 200


async def test_list_filters_pages_and_counts_pending(
    client: httpx.AsyncClient, alice: Account
) -> None:
    saline = await item(client, alice, (await category(client, alice))["id"])
    created = [await order(client, alice, {"itemId": saline["id"]}) for _ in range(3)]
    await move(client, alice, created[0]["id"], "declined")
    page = await get(client, alice, "/orders?pageSize=2")
    assert [o["id"] for o in page["orders"]] == [created[2]["id"], created[1]["id"]]  # newest first
    assert (page["total"], page["page"], page["pageSize"], page["hasMore"]) == (3, 1, 2, True)
    assert all(o["items"] for o in page["orders"])
    pending = await get(client, alice, "/orders?status=pending")
    assert pending["total"] == 2
    assert (
        await client.get(f"{ORDERS}?status=cancelled", headers=alice.headers)
    ).status_code == 422
    assert (await get(client, alice, "/items/stats"))["pendingOrdersCount"] == 2


async def test_another_owners_order_is_not_found(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    saline = await item(client, alice, (await category(client, alice))["id"])
    created = await order(client, alice, {"itemId": saline["id"]})
    for ref in (created["id"], created["orderId"]):
        for response in [
            await client.get(f"{ORDERS}/{ref}", headers=bob.headers),
            await move(client, bob, ref, "ordered"),
            await client.post(f"{ORDERS}/{ref}/apply", headers=bob.headers),
            await client.delete(f"{ORDERS}/{ref}", headers=bob.headers),
        ]:
            assert response.status_code == 404
    assert (await get(client, alice, f"/orders/{created['id']}"))["status"] == "pending"

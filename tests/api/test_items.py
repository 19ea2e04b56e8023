"""The item endpoints (API.md 5): create, read, filter, update, stock, delete, stats."""

import asyncio
import uuid

import asyncpg
import httpx
import pytest

from infra.database import Database
from infra.settings import Settings
from tests.api.accounts import Account
from tests.api.inventory import category, get, item, stock
from tests.documented import checked_client
from tests.waiting import until
from vitaltrack.app import create_app

ITEMS = "/api/v1/items"


async def test_create_then_get_and_list(client: httpx.AsyncClient, alice: Account) -> None:
    meds = await category(client, alice)
    created = await item(
        client,
        alice,
        meds["id"],
        name="  <script>x</script>Children's <b>Tylenol</b> ",
        quantity=5,
        minimumStock=2,
        expiry_date="2027-01-31",
        supplierContact="+1 (555) 010-2030 <x>; ext#9",
        purchaseLink="https://shop.example/tylenol",
        isCritical=True,
        localId="phone-1",
    )
    assert created["name"] == "xChildren's Tylenol"
    assert created["version"] == 1
    assert created["unit"] == "pieces"
    assert created["expiryDate"] == "2027-01-31"
    assert created["supplierContact"] == "+1 (555) 010-2030 x ext9"
    assert created["categoryId"] == meds["id"]
    assert await get(client, alice, f"/items/{created['id']}") == created
    listed = await get(client, alice, "/items")
    assert listed == {"items": [created], "total": 1, "page": 1, "pageSize": 50, "hasMore": False}


async def test_create_needs_one_of_the_callers_categories(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    bobs = await category(client, bob)
    for category_id in (bobs["id"], str(uuid.uuid4())):
        response = await client.post(
            ITEMS, json={"categoryId": category_id, "name": "X"}, headers=alice.headers
        )
        assert response.status_code == 400
        assert response.json()["code"] == "bad_request"
    assert (await get(client, alice, "/items"))["total"] == 0


async def test_invalid_items_are_rejected(client: httpx.AsyncClient, alice: Account) -> None:
    meds = await category(client, alice)
    for bad in [
        {"name": "x"},
        {"categoryId": meds["id"]},
        {"categoryId": meds["id"], "name": "x", "quantity": -1},
        {"categoryId": meds["id"], "name": "x", "quantity": 1_000_000},
        {"categoryId": meds["id"], "name": "x", "quantity": "5"},
        {"categoryId": meds["id"], "name": "x", "purchaseLink": "ftp://nope"},
        {"categoryId": meds["id"], "name": "x", "expiryDate": "31/01/2027"},
        {"categoryId": meds["id"], "name": "x", "unit": "u" * 51},
        {"categoryId": meds["id"], "name": "x", "isCritical": "yes"},
        {"categoryId": "not-a-uuid", "name": "x"},
    ]:
        response = await client.post(ITEMS, json=bad, headers=alice.headers)
        assert response.status_code == 422, bad
    assert (await get(client, alice, "/items"))["total"] == 0


async def test_blank_purchase_link_becomes_null(client: httpx.AsyncClient, alice: Account) -> None:
    meds = await category(client, alice)
    created = await item(client, alice, meds["id"], purchaseLink="   ")
    assert created["purchaseLink"] is None


async def test_filters_combine_and_total_counts_matches(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds, airway = await category(client, alice), await category(client, alice, "Airway")
    await item(client, alice, meds["id"], name="Aspirin", quantity=0, minimumStock=5)
    await item(
        client, alice, meds["id"], name="Bandage", quantity=2, minimumStock=5, isCritical=True
    )
    await item(client, alice, meds["id"], name="Cannula", quantity=5, minimumStock=5, brand="Acme")
    await item(client, alice, airway["id"], name="Dressing", quantity=9, isActive=False)

    async def names(query: str) -> tuple[list[str], int]:
        page = await get(client, alice, f"/items?{query}")
        return [i["name"] for i in page["items"]], page["total"]

    assert await names(f"categoryId={meds['id']}") == (["Aspirin", "Bandage", "Cannula"], 3)
    assert await names(f"category_id={airway['id']}") == (["Dressing"], 1)
    assert await names("lowStockOnly=true") == (["Bandage"], 1)  # at the minimum is not low
    assert await names("low_stock=1") == (["Bandage"], 1)
    assert await names("outOfStockOnly=true") == (["Aspirin"], 1)
    assert await names("lowStockOnly=true&outOfStockOnly=true") == ([], 0)
    assert await names("is_active=false") == (["Dressing"], 1)
    assert await names("isCritical=true") == (["Bandage"], 1)
    assert await names("search=acm") == (["Cannula"], 1)
    assert await names("search=%25") == ([], 0)  # a literal %, not a wildcard
    assert await names("pageSize=2&page=2") == (["Cannula", "Dressing"], 4)
    assert await names("skip=1&limit=1") == (["Bandage"], 4)
    assert await names("page=9") == ([], 4)
    paged = await get(client, alice, "/items?pageSize=3")
    assert (paged["hasMore"], paged["pageSize"]) == (True, 3)


async def test_bad_query_values_are_a_validation_error(
    client: httpx.AsyncClient, alice: Account
) -> None:
    for query in ("pageSize=0", "pageSize=101", "page=0", "categoryId=nope", "isActive=maybe"):
        response = await client.get(f"{ITEMS}?{query}", headers=alice.headers)
        assert response.status_code == 422, query
        assert response.json()["code"] == "validation_error"


async def test_update_is_partial_versioned_and_can_move_and_set_stock(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds, airway = await category(client, alice), await category(client, alice, "Airway")
    created = await item(client, alice, meds["id"], brand="Acme", quantity=3)
    path = f"{ITEMS}/{created['id']}"
    response = await client.put(
        path, json={"name": "Saline 0.9%", "brand": None, "quantity": 7}, headers=alice.headers
    )
    assert response.status_code == 200
    updated = response.json()
    assert (updated["name"], updated["brand"], updated["quantity"]) == ("Saline 0.9%", "Acme", 7)
    assert updated["version"] == 2  # one request, one version step (API.md 1.4 rev. 2)
    history = (await client.get(f"{path}/history", headers=alice.headers)).json()["entries"]
    assert history[-1]["type"] == "item.updated"
    assert history[-1]["change"]["quantity"] == {"from": 3, "to": 7, "delta": 4}
    assert history[-1]["change"]["name"] == {"from": "Saline", "to": "Saline 0.9%"}
    moved = await client.put(path, json={"categoryId": airway["id"]}, headers=alice.headers)
    assert (moved.json()["categoryId"], moved.json()["version"]) == (airway["id"], 3)
    missing = await client.put(path, json={"categoryId": str(uuid.uuid4())}, headers=alice.headers)
    assert missing.status_code == 400
    for precondition in ({"expectedVersion": 1}, {"version": 1}):  # the newer app: `version`
        stale = await client.put(path, json={"name": "X", **precondition}, headers=alice.headers)
        assert stale.status_code == 409
        assert stale.json()["code"] == "version_conflict"
        assert stale.json()["current"]["version"] == 3
        assert (stale.json()["server_version"], stale.json()["server_quantity"]) == (3, 7)
    unchanged = await client.put(path, json={"name": "Saline 0.9%"}, headers=alice.headers)
    assert unchanged.json()["version"] == 3  # nothing changed, nothing recorded
    fetched = await client.get(path, headers=alice.headers)
    assert fetched.headers["etag"] == '"3"'
    current = await client.put(path, json={"notes": "cold", "version": 3}, headers=alice.headers)
    assert current.json()["version"] == 4


async def test_stock_by_delta_or_absolute_and_never_below_zero(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    created = await item(client, alice, meds["id"], quantity=5)
    up = await stock(client, alice, created["id"], delta=3, reason="delivery")
    assert (up.status_code, up.json()["quantity"], up.json()["version"]) == (200, 8, 2)
    assert up.headers["etag"] == '"2"'
    down = await stock(client, alice, created["id"], quantity=1)
    assert down.json()["quantity"] == 1
    too_many = await stock(client, alice, created["id"], delta=-2)
    assert too_many.status_code == 409
    assert too_many.json()["code"] == "insufficient_stock"
    assert too_many.json()["current"]["quantity"] == 1
    over = await stock(client, alice, created["id"], delta=999_999)
    assert over.status_code == 422
    for bad in ({}, {"delta": 1, "quantity": 2}, {"delta": 0}, {"quantity": -1}, {"delta": "1"}):
        assert (await stock(client, alice, created["id"], **bad)).status_code == 422, bad
    stale = await stock(client, alice, created["id"], delta=1, expectedVersion=1)
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict"
    assert (await get(client, alice, f"/items/{created['id']}"))["quantity"] == 1


async def test_fifty_concurrent_deltas_all_count(client: httpx.AsyncClient, alice: Account) -> None:
    meds = await category(client, alice)
    created = await item(client, alice, meds["id"], quantity=10)
    responses = await asyncio.gather(
        *(stock(client, alice, created["id"], delta=1, reason=f"r{n}") for n in range(50))
    )
    assert [r.status_code for r in responses] == [200] * 50
    final = await get(client, alice, f"/items/{created['id']}")
    assert (final["quantity"], final["version"]) == (60, 51)
    history = await get(client, alice, f"/items/{created['id']}/history?pageSize=100")
    stock_entries = [e for e in history["entries"] if e["type"] == "item.stock_changed"]
    assert len(stock_entries) == 50
    assert sorted(e["change"]["to"] for e in stock_entries) == list(range(11, 61))
    activity = await get(client, alice, "/activity?action=stock_update&pageSize=100")
    assert activity["total"] == 50


async def test_delete_is_hard_but_history_stays(client: httpx.AsyncClient, alice: Account) -> None:
    meds = await category(client, alice)
    created = await item(client, alice, meds["id"], name="Gauze")
    response = await client.delete(f"{ITEMS}/{created['id']}", headers=alice.headers)
    assert response.json() == {"success": True, "message": "Item 'Gauze' deleted"}
    assert (await client.get(f"{ITEMS}/{created['id']}", headers=alice.headers)).status_code == 404
    assert (
        await client.delete(f"{ITEMS}/{created['id']}", headers=alice.headers)
    ).status_code == 404
    history = await get(client, alice, f"/items/{created['id']}/history")
    assert [e["type"] for e in history["entries"]] == ["item.created", "item.deleted"]


async def test_history_records_what_changed_and_who(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    created = await item(client, alice, meds["id"], name="Gauze", quantity=2)
    await client.put(f"{ITEMS}/{created['id']}", json={"name": "Gauze pads"}, headers=alice.headers)
    await stock(client, alice, created["id"], delta=-1, reason="used")
    entries = (await get(client, alice, f"/items/{created['id']}/history"))["entries"]
    assert [(e["type"], e["version"]) for e in entries] == [
        ("item.created", 1),
        ("item.updated", 2),
        ("item.stock_changed", 3),
    ]
    assert entries[1]["change"] == {"name": {"from": "Gauze", "to": "Gauze pads"}}
    assert entries[2]["change"] == {"from": 2, "to": 1, "delta": -1, "reason": "used"}
    assert entries[2]["actor"] == {"userId": alice.user_id, "name": "Test User", "via": "api"}
    assert entries[0]["position"] < entries[1]["position"] < entries[2]["position"]


async def test_another_owners_item_is_not_found(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    meds = await category(client, alice)
    created = await item(client, alice, meds["id"])
    path = f"{ITEMS}/{created['id']}"
    for response in [
        await client.get(path, headers=bob.headers),
        await client.put(path, json={"name": "mine"}, headers=bob.headers),
        await client.delete(path, headers=bob.headers),
        await stock(client, bob, created["id"], delta=1),
        await client.get(f"{path}/history", headers=bob.headers),
    ]:
        assert response.status_code == 404
    assert (await get(client, alice, path.removeprefix("/api/v1")))["version"] == 1


async def test_stats_and_needs_attention(client: httpx.AsyncClient, alice: Account) -> None:
    meds = await category(client, alice)
    await category(client, alice, "Airway")
    await item(client, alice, meds["id"], name="Empty", quantity=0, minimumStock=1, isCritical=True)
    low = await item(client, alice, meds["id"], name="Low", quantity=1, minimumStock=3)
    await item(client, alice, meds["id"], name="Fine", quantity=3, minimumStock=3)
    await item(client, alice, meds["id"], name="Off", quantity=0, isActive=False)
    stats = await get(client, alice, "/items/stats")
    assert stats == {
        "totalItems": 3,
        "totalCategories": 2,
        "outOfStockCount": 1,
        "lowStockCount": 1,
        "criticalItems": 1,
        "pendingOrdersCount": 0,
    }
    for path in ("/items/low-stock", "/items/needs-attention"):
        attention = await get(client, alice, path)
        assert [i["name"] for i in attention["items"]] == ["Empty", "Low"]
        assert (attention["outOfStockCount"], attention["lowStockCount"], attention["total"]) == (
            1,
            1,
            2,
        )
    await stock(client, alice, low["id"], delta=5)
    assert (await get(client, alice, "/items/stats"))["lowStockCount"] == 0


async def test_deleting_a_category_deletes_its_items(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds, airway = await category(client, alice), await category(client, alice, "Airway")
    doomed = [await item(client, alice, meds["id"], name=f"M{n}") for n in range(3)]
    kept = await item(client, alice, airway["id"], name="Tube")
    # an item deleted before keeps its membership row (marked deleted): it holds nothing up
    gone = await client.delete(f"/api/v1/items/{doomed[0]['id']}", headers=alice.headers)
    assert gone.status_code == 200
    response = await client.delete(f"/api/v1/categories/{meds['id']}", headers=alice.headers)
    assert response.status_code == 200
    listed = await get(client, alice, "/items")
    assert [i["id"] for i in listed["items"]] == [kept["id"]]
    deletions = await get(client, alice, "/activity?action=item_delete")
    assert {e["itemId"] for e in deletions["entries"]} == {i["id"] for i in doomed}
    assert (await get(client, alice, "/items/stats"))["totalItems"] == 1
    counts = await get(client, alice, "/categories/with-counts")
    assert [(c["name"], c["itemCount"]) for c in counts["categories"]] == [("Airway", 1)]


@pytest.mark.parametrize("first", ["create", "delete"])
async def test_item_create_racing_a_category_delete_never_orphans_an_item(
    client: httpx.AsyncClient,
    alice: Account,
    settings: Settings,
    database: Database,
    first: str,
) -> None:
    """Made to race, in both orders, on two API processes: the test holds the category's row
    of the write-side guard (`live_categories`) until the first request waits on it holding
    the log's write lock and the second waits behind it. Created first, the item goes with
    its category (the delete's save is refused and retried); deleted first, the create is
    refused (400). Either way no item is left in a deleted category."""
    meds = await category(client, alice, "Racing")
    other = create_app(settings, database)
    holder = await asyncpg.connect(database.asyncpg_dsn)
    requests = {
        "create": lambda c: c.post(
            ITEMS, json={"categoryId": meds["id"], "name": "X"}, headers=alice.headers
        ),
        "delete": lambda c: c.delete(f"/api/v1/categories/{meds['id']}", headers=alice.headers),
    }
    then = "delete" if first == "create" else "create"
    async with other.router.lifespan_context(other), checked_client(other) as second:
        try:
            hold = holder.transaction()
            await hold.start()
            await holder.execute(
                "SELECT 1 FROM live_categories WHERE id = $1 FOR UPDATE", uuid.UUID(meds["id"])
            )
            started = {first: asyncio.create_task(requests[first](client))}
            await until(lambda: waiting(holder, 1))
            started[then] = asyncio.create_task(requests[then](second))
            await until(lambda: waiting(holder, 2))
            await hold.commit()
            created, deleted = await started["create"], await started["delete"]
        finally:
            await holder.close()
    assert deleted.status_code == 200
    assert created.status_code == (201 if first == "create" else 400), created.text
    listed = await get(client, alice, f"/items?categoryId={meds['id']}")
    assert listed["total"] == 0


async def waiting(conn: asyncpg.Connection, count: int) -> bool:
    """At least `count` other backends wait for a lock."""
    waiters = await conn.fetchval(
        "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()"
    )
    return int(waiters) >= count


async def test_idempotent_retries_apply_once(client: httpx.AsyncClient, alice: Account) -> None:
    meds = await category(client, alice)
    body = {"categoryId": meds["id"], "name": "Once"}
    key = {**alice.headers, "Idempotency-Key": "create-once-1"}
    first = await client.post(ITEMS, json=body, headers=key)
    again = await client.post(ITEMS, json=dict(reversed(body.items())), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert (await get(client, alice, "/items"))["total"] == 1

    stock_key = {**alice.headers, "Idempotency-Key": "stock-once-1"}
    path = f"{ITEMS}/{first.json()['id']}/stock"
    for _ in range(3):
        response = await client.patch(path, json={"delta": 4}, headers=stock_key)
        assert response.json()["quantity"] == 4
    assert (await get(client, alice, f"/items/{first.json()['id']}"))["quantity"] == 4

    reused = await client.patch(path, json={"delta": 5}, headers=stock_key)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    empty_key = await client.post(
        ITEMS, json=body, headers={**alice.headers, "Idempotency-Key": ""}
    )
    assert empty_key.status_code == 422


async def test_concurrent_requests_with_one_key_apply_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    created = await item(client, alice, meds["id"])
    headers = {**alice.headers, "Idempotency-Key": "burst"}
    responses = await asyncio.gather(
        *(
            client.patch(f"{ITEMS}/{created['id']}/stock", json={"delta": 1}, headers=headers)
            for _ in range(6)
        ),
    )
    assert {r.status_code for r in responses} <= {200, 409}
    assert all(
        r.json().get("code") == "idempotency_in_progress" for r in responses if r.status_code == 409
    )
    assert (await get(client, alice, f"/items/{created['id']}"))["quantity"] == 1

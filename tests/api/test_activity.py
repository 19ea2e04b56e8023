"""The activity log as both apps read it (API.md 7.1, 7.3), and paging bounds (API.md 1.7)."""

import httpx

from tests.api.accounts import Account
from tests.api.inventory import category, get, item


async def test_the_newer_apps_activities_are_the_same_entries_newest_first(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Saline")
    everything = await get(client, alice, "/activity")
    page = await get(client, alice, "/activities?limit=2&offset=1")
    assert page["total"] == everything["total"] == 3  # registered, and the two creates
    assert page["activities"] == everything["entries"][1:3]
    assert [e["action"] for e in everything["entries"]][:2] == ["item_create", "category_create"]
    for bad in ("limit=0", "limit=101", "offset=-1", "offset=1000000001"):
        response = await client.get(f"/api/v1/activities?{bad}", headers=alice.headers)
        assert (response.status_code, response.json()["code"]) == (422, "validation_error")


async def test_pages_beyond_a_billion_rows_are_empty_not_errors(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    await item(client, alice, meds["id"])
    for path in (
        "/items?page=99999999999999999999&pageSize=100",
        "/orders?page=10000001&pageSize=100",
        "/activity?page=4611686018427387904",
    ):
        page = await get(client, alice, path)
        assert page[next(k for k in ("items", "orders", "entries") if k in page)] == []
        assert page["hasMore"] is False
    response = await client.get("/api/v1/items?skip=1000000001", headers=alice.headers)
    assert response.status_code == 422

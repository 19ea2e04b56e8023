"""GET /items/forecast and /items/expiring, and an item's leadTimeDays (API.md 13), over HTTP
on a clock the tests move: a month of use takes seconds."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from infra.clock import FixedClock
from tests.api.accounts import Account
from tests.api.households import join_as, set_household
from tests.api.inventory import category, get, item, stock
from tests.smtp import Mailbox

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


async def forecast(client: httpx.AsyncClient, who: Account, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/items/forecast", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def used(client: httpx.AsyncClient, who: Account, item_id: str, *deltas: int) -> None:
    for delta in deltas:
        assert (await stock(client, who, item_id, delta=delta, reason="used")).status_code == 200


async def test_a_new_items_forecast_comes_from_its_first_use(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"], quantity=20, minimumStock=5)
    await used(client, alice, saline["id"], -7, -7)  # 14 in a 7-day window: 2 a day

    response = await client.get("/api/v1/items/forecast", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "item": {
                    "id": saline["id"],
                    "name": "Saline",
                    "categoryId": meds["id"],
                    "quantity": 6,
                    "unit": "pieces",
                    "minimumStock": 5,
                    "isCritical": False,
                    "leadTimeDays": None,
                },
                "dailyUsage": 2.0,
                "daysLeft": 3,
                "runOutOn": "2026-12-10",
                "reorderBy": "2026-12-07",  # lead time 3: the household's default
                "suggestedQuantity": 65,  # ceil(2 x (3 + 30)) + 5 - 6
                "status": "reorder_now",
            }
        ],
        "generatedAt": "2026-12-07T09:00:00Z",
    }


async def test_a_month_of_use_counts_the_last_28_days_but_no_recount_or_correction(
    client: httpx.AsyncClient, alice: Account, clock: FixedClock
) -> None:
    start = NOW - timedelta(days=39)
    clock.at = start
    meds = await category(client, alice)
    oxygen = await item(client, alice, meds["id"], quantity=500)
    quantity = 500
    for day in range(40):
        clock.at = start + timedelta(days=day, hours=day % 5)
        await used(client, alice, oxygen["id"], -3)
        quantity -= 3
        if day in (5, 15, 25):  # day 5 is outside the last 28 days
            quantity -= 1  # an absolute set: use, by its difference
            put = {"quantity": quantity}
            r = await client.put(f"/api/v1/items/{oxygen['id']}", json=put, headers=alice.headers)
            assert r.status_code == 200
            quantity -= 10
            count = {"counts": [{"itemId": oxygen["id"], "quantity": quantity}]}
            r = await client.post("/api/v1/items/stocktake", json=count, headers=alice.headers)
            assert r.status_code == 200
            quantity -= 2
            await stock(client, alice, oxygen["id"], delta=-2, reason="Correction")

    (entry,) = await forecast(client, alice, withinDays=365)
    assert entry["item"]["quantity"] == quantity == 500 - 120 - 3 - 30 - 6
    assert entry["dailyUsage"] == 3.07  # (28 x 3 + 2) / 28
    assert entry["daysLeft"] == quantity * 28 // 86


async def test_items_are_listed_critical_first_then_by_status_run_out_and_name(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    made = {}
    shelf: list[tuple[str, int, int, dict[str, Any]]] = [
        ("Zinc cream", 24, 14, {}),  # 10 left at 2 a day: out in 5
        ("gauze", 20, 14, {}),  # 6 left: out in 3, reorder now
        ("Mask", 3, 0, {"minimumStock": 5}),  # low
        ("Needle", 0, 0, {}),  # out
        ("Oxygen line", 34, 14, {"isCritical": True}),  # out in 10, critical
        ("Plenty", 1000, 14, {}),  # out in 493 days: not listed
        ("Alcohol swab", 24, 14, {}),  # as Zinc cream
    ]
    for name, quantity, use, extra in shelf:
        made[name] = await item(client, alice, meds["id"], name=name, quantity=quantity, **extra)
        if use:
            await used(client, alice, made[name]["id"], -use)

    listed = await forecast(client, alice)
    assert [(e["item"]["name"], e["status"]) for e in listed] == [
        ("Oxygen line", "reorder_soon"),
        ("Needle", "out"),
        ("gauze", "reorder_now"),
        ("Mask", "low"),
        ("Alcohol swab", "reorder_soon"),
        ("Zinc cream", "reorder_soon"),
    ]
    assert [e["item"]["name"] for e in await forecast(client, alice, withinDays=3)] == [
        "Needle",
        "gauze",
        "Mask",
    ]
    assert [e["item"]["name"] for e in await forecast(client, alice, within_days=0)] == [
        "Needle",
        "Mask",
    ]


async def test_an_items_lead_time_wins_and_null_gives_it_back_to_the_household(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    tubing = await item(client, alice, meds["id"], quantity=20, leadTimeDays=7)
    await used(client, alice, tubing["id"], -14)
    path = f"/api/v1/items/{tubing['id']}"
    assert (await get(client, alice, path.removeprefix("/api/v1")))["leadTimeDays"] == 7

    async def reorder_by() -> tuple[Any, Any]:
        (entry,) = await forecast(client, alice)
        return entry["item"]["leadTimeDays"], entry["reorderBy"]

    assert await reorder_by() == (7, "2026-12-03")  # out on the 10th, 7 days' lead
    await client.put(path, json={"notes": "soft ones"}, headers=alice.headers)
    assert await reorder_by() == (7, "2026-12-03")  # absent: unchanged
    cleared = await client.put(path, json={"leadTimeDays": None}, headers=alice.headers)
    assert (cleared.status_code, cleared.json()["leadTimeDays"]) == (200, None)
    assert await reorder_by() == (None, "2026-12-07")  # the household's 3
    await set_household(client, alice, leadTimeDays=1)
    assert await reorder_by() == (None, "2026-12-09")
    await client.put(path, json={"leadTimeDays": 0}, headers=alice.headers)
    assert await reorder_by() == (0, "2026-12-10")
    pulled = await client.post("/api/v1/sync/pull", json={}, headers=alice.headers)
    assert [i["leadTimeDays"] for i in pulled.json()["items"]] == [0]


@pytest.mark.parametrize("bad", [366, -1, "3", 2.5])
async def test_a_lead_time_out_of_range_is_refused(
    client: httpx.AsyncClient, alice: Account, bad: object
) -> None:
    meds = await category(client, alice)
    body = {"categoryId": meds["id"], "name": "Saline", "leadTimeDays": bad}
    response = await client.post("/api/v1/items", json=body, headers=alice.headers)
    assert response.status_code == 422


async def test_today_is_the_households_on_both_sides_of_its_midnight(
    client: httpx.AsyncClient, alice: Account, clock: FixedClock
) -> None:
    await set_household(client, alice, timeZone="Asia/Kolkata")
    clock.at = datetime(2026, 12, 7, 18, 29, tzinfo=UTC)  # 23:59 in Kolkata
    meds = await category(client, alice)
    insulin = await item(client, alice, meds["id"], quantity=17, expiryDate="2026-12-08")
    await used(client, alice, insulin["id"], -7)  # 1 a day: 10 days left

    async def seen() -> tuple[str, int]:
        (entry,) = await forecast(client, alice)
        expiring = await get(client, alice, "/items/expiring")
        return entry["runOutOn"], expiring["items"][0]["daysToExpiry"]

    assert await seen() == ("2026-12-17", 1)
    clock.at = datetime(2026, 12, 7, 18, 31, tzinfo=UTC)  # 00:01 on the 8th there
    assert await seen() == ("2026-12-18", 0)


async def test_expiring_lists_what_has_expired_and_what_will_in_date_order(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    for name, days, active in [
        ("Insulin", 5, True),
        ("Saline", 40, True),
        ("Gauze", -2, True),
        ("Retired", 1, False),
    ]:
        expiry = (NOW + timedelta(days=days)).date().isoformat()
        await item(client, alice, meds["id"], name=name, expiryDate=expiry, isActive=active)
    await item(client, alice, meds["id"], name="No date")

    found = await get(client, alice, "/items/expiring")
    assert found["total"] == 2
    assert [(e["item"]["name"], e["daysToExpiry"], e["expired"]) for e in found["items"]] == [
        ("Gauze", -2, True),
        ("Insulin", 5, False),
    ]
    assert found["items"][0]["item"]["expiryDate"] == "2026-12-05"
    later = await get(client, alice, "/items/expiring?withinDays=3650")
    assert [e["item"]["name"] for e in later["items"]] == ["Gauze", "Insulin", "Saline"]


@pytest.mark.parametrize(
    "query",
    [
        "/items/forecast?withinDays=366",
        "/items/forecast?withinDays=-1",
        "/items/forecast?withinDays=soon",
        "/items/expiring?withinDays=3651",
        "/items/expiring?within_days=1.5",
    ],
)
async def test_days_out_of_range_are_refused(
    client: httpx.AsyncClient, alice: Account, query: str
) -> None:
    response = await client.get(f"/api/v1{query}", headers=alice.headers)
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")


async def test_any_member_reads_the_forecast_and_nobody_else(
    client: httpx.AsyncClient, alice: Account, bob: Account, mailbox: Mailbox
) -> None:
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Needle", quantity=0)
    viewer = await join_as(client, alice, mailbox, bob, "viewer")
    for path in ("/api/v1/items/forecast", "/api/v1/items/expiring"):
        assert (await client.get(path, headers=viewer)).status_code == 200
    (entry,) = (await client.get("/api/v1/items/forecast", headers=viewer)).json()["items"]
    assert entry["item"]["name"] == "Needle"
    assert await forecast(client, bob) == []  # bob's own household
    carol = {**alice.headers, "X-Household-Id": bob.user_id}  # not a member there
    assert (await client.get("/api/v1/items/forecast", headers=carol)).status_code == 404
    assert (await client.get("/api/v1/items/forecast")).status_code == 401

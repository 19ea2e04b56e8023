"""Offline sync (API.md 8): nothing lost, doubled or invented."""

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx

from infra.database import Database
from tests.api.accounts import PASSWORD, Account
from tests.api.inventory import category, get, item
from tests.api.sync import SYNC, op, pull, push
from tests.waiting import until


async def second_device(client: httpx.AsyncClient, who: Account) -> Account:
    """The same user signed in on another phone: another session (sid)."""
    response = await client.post(
        "/api/v1/auth/login", json={"identifier": who.email, "password": PASSWORD}
    )
    body = response.json()
    return Account(who.user_id, who.email, body["access_token"], body["refresh_token"])


async def event_count(database: Database, *, everything: bool = False) -> int:
    """Events in the log; by default those that change the inventory."""
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM vitaltrack_events "
            "WHERE $1 OR (topic NOT LIKE 'events.device:%' AND topic NOT LIKE 'events.conflict:%')",
            everything,
        )
        return count
    finally:
        await conn.close()


async def test_pull_pages_through_a_thousand_changes_exactly_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    cursor = (await pull(client, alice))["nextCursor"]
    meds = await category(client, alice)
    created = await item(client, alice, meds["id"], quantity=0)
    for batch in range(2):
        ops = [
            op("adjust_stock", "item", entityId=created["id"], data={"delta": 1})
            for _ in range(500)
        ]
        assert (await push(client, alice, *ops))["successCount"] == 500, batch
    seen, pages = [], 0
    while True:
        page = await pull(client, alice, cursor, limit=37)
        pages += 1
        seen += [(e["position"], e["entity"], e["version"]) for e in page["events"]]
        cursor = page["nextCursor"]
        if not page["hasMore"]:
            break
    assert len(seen) == 1002  # the category, the item, and 1000 stock changes
    assert [s[0] for s in seen] == sorted({s[0] for s in seen})  # in order, no doubles
    assert pages == -(-1002 // 37)
    assert seen[-1][2] == 1001
    assert (await pull(client, alice, cursor))["events"] == []


async def test_bootstrap_then_cursor_continues_exactly(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Before")
    boot = await pull(client, alice)
    assert [i["name"] for i in boot["items"]] == ["Before"]
    assert (boot["events"], boot["hasMore"]) == ([], False)
    await item(client, alice, meds["id"], name="After")
    page = await pull(client, alice, boot["nextCursor"])
    assert [(e["type"], e["data"]["name"]) for e in page["events"]] == [("created", "After")]
    assert [i["name"] for i in page["items"]] == ["After"]


async def test_bootstrap_during_writes_misses_and_doubles_nothing(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """A device bootstraps while items are being written, then follows its cursor: it ends
    with every item exactly once, however the writes and its pulls interleave."""
    meds = await category(client, alice)
    written: list[str] = []

    async def writer() -> None:
        for n in range(15):
            written.append((await item(client, alice, meds["id"], name=f"w{n}"))["id"])

    writing = asyncio.create_task(writer())
    await until(lambda: len(written) >= 3)
    boot = await pull(client, alice)
    state = {i["id"]: i["version"] for i in boot["items"]}
    await until(lambda: len(written) >= len(state) + 3)  # more land after the bootstrap
    cursor, done = boot["nextCursor"], False
    while not done:
        done = writing.done()  # each write was readable before it counted as written
        page = await pull(client, alice, cursor)
        for event in page["events"]:
            assert event["entityId"] not in state or event["type"] != "created", "doubled"
            state[event["entityId"]] = event["version"]
        cursor, done = page["nextCursor"], done and not page["hasMore"]
    assert set(state) == set(written)


async def test_a_resent_push_is_duplicate_and_appends_nothing(
    client: httpx.AsyncClient, alice: Account, database: Database
) -> None:
    ops = [
        op("create", "category", localId="c1", data={"name": "Meds"}),
        op("create", "item", localId="i1", data={"categoryId": "c1", "name": "Saline"}),
        op("adjust_stock", "item", entityId="i1", data={"delta": 4}),
    ]
    first = await push(client, alice, *ops)
    before = await event_count(database)
    again = await push(client, alice, *ops)
    assert [r["status"] for r in first["results"]] == ["applied"] * 3
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    assert [r["entityId"] for r in again["results"]] == [r["entityId"] for r in first["results"]]
    assert [r["serverVersion"] for r in again["results"]] == [1, 1, 2]
    assert await event_count(database) == before
    assert (await get(client, alice, "/items"))["items"][0]["quantity"] == 4


async def test_two_offline_stock_changes_both_count_in_either_order(
    client: httpx.AsyncClient, alice: Account
) -> None:
    phone = await second_device(client, alice)
    meds = await category(client, alice)
    for order in ((alice, phone), (phone, alice)):
        created = await item(
            client, alice, meds["id"], name=f"I{uuid.uuid4().hex[:4]}", quantity=10
        )
        plus = op("adjust_stock", "item", entityId=created["id"], data={"delta": 3})
        minus = op("adjust_stock", "item", entityId=created["id"], data={"delta": -2})
        await push(client, order[0], plus)
        await push(client, order[1], minus)
        assert (await get(client, alice, f"/items/{created['id']}"))["quantity"] == 11


async def test_a_stale_update_is_a_conflict_and_overwrites_nothing(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    created = await item(client, alice, meds["id"], name="Gauze")
    await client.put(
        f"/api/v1/items/{created['id']}", json={"name": "Gauze pads"}, headers=alice.headers
    )
    stale = await push(
        client,
        alice,
        op("update", "item", entityId=created["id"], baseVersion=1, data={"name": "Old idea"}),
    )
    (result,) = stale["results"]
    assert (result["status"], result["success"]) == ("conflict", False)
    assert result["error"]["current"]["name"] == "Gauze pads"
    assert (await get(client, alice, f"/items/{created['id']}"))["name"] == "Gauze pads"


async def test_an_ops_push_deletes_only_what_it_names(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    kept = [await item(client, alice, meds["id"], name=f"K{n}") for n in range(3)]
    doomed = await item(client, alice, meds["id"], name="Doomed")
    await pull(client, alice)
    result = await push(
        client,
        alice,
        op("update", "item", entityId=kept[0]["id"], data={"notes": "checked"}),
        op("delete", "item", entityId=doomed["id"]),
    )
    assert [r["status"] for r in result["results"]] == ["applied", "applied"]
    names = sorted(i["name"] for i in (await get(client, alice, "/items"))["items"])
    assert names == ["K0", "K1", "K2"]
    page = await pull(client, alice, (await pull(client, alice, None))["nextCursor"])
    assert page["deletedIds"] == []


async def test_deletes_reach_other_devices_as_deleted_ids(
    client: httpx.AsyncClient, alice: Account
) -> None:
    phone = await second_device(client, alice)
    meds = await category(client, alice)
    gone = await item(client, alice, meds["id"], name="Gone")
    cursor = (await pull(client, phone))["nextCursor"]
    await client.delete(f"/api/v1/items/{gone['id']}", headers=alice.headers)
    page = await pull(client, phone, cursor)
    assert page["deletedIds"] == [gone["id"]]
    assert [(e["type"], e["data"]) for e in page["events"]] == [("deleted", None)]


def snapshot_ops(
    items: list[dict[str, Any]], categories: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What the current app pushes after every edit: its whole state as create upserts."""
    ops = [
        op("create", "category", localId=c["localId"], entityId=c["id"], data=c) for c in categories
    ]
    ops += [op("create", "item", localId=i["localId"], entityId=i["id"], data=i) for i in items]
    return ops


def local(entity: dict[str, Any], **changes: object) -> dict[str, Any]:
    """An entity as the phone holds it: wire fields, maybe edited offline."""
    keep = {k: v for k, v in entity.items() if k not in ("version", "createdAt", "updatedAt")}
    return {**keep, **changes}


async def test_whole_state_pushes_from_two_devices_merge_without_loss(
    client: httpx.AsyncClient, alice: Account
) -> None:
    tablet = await second_device(client, alice)
    meds = await category(client, alice)
    meds = (
        await client.put(
            f"/api/v1/categories/{meds['id']}", json={"name": "Meds"}, headers=alice.headers
        )
    ).json()
    base_item = await item(client, alice, meds["id"], name="Saline", quantity=10, localId="saline")
    meds_local = local(meds, localId="meds")
    phone_state = (await pull(client, alice))["items"]
    tablet_state = (await pull(client, tablet))["items"]
    assert phone_state == tablet_state

    # Phone takes 3 off, tablet adds 5; each pushes its whole state with absolute quantities.
    phone_saline = local(base_item, quantity=7)
    tablet_saline = local(base_item, quantity=15)
    await push(client, alice, *snapshot_ops([phone_saline], [meds_local]), mode=None)
    # Meanwhile the phone creates an item the tablet has never seen.
    gloves = await item(client, alice, meds["id"], name="Gloves", localId="gloves")
    result = await push(client, tablet, *snapshot_ops([tablet_saline], [meds_local]), mode=None)
    assert all(r["success"] for r in result["results"]), result
    saline = await get(client, alice, f"/items/{base_item['id']}")
    assert saline["quantity"] == 10 - 3 + 5
    assert (
        await client.get(f"/api/v1/items/{gloves['id']}", headers=alice.headers)
    ).status_code == 200

    # The phone deletes Saline locally: its next push simply omits it.
    phone_view = await pull(client, alice)
    gloves_local = local(next(i for i in phone_view["items"] if i["name"] == "Gloves"))
    await push(client, alice, *snapshot_ops([gloves_local], [meds_local]), mode=None)
    assert (
        await client.get(f"/api/v1/items/{base_item['id']}", headers=alice.headers)
    ).status_code == 404

    # The tablet still has Saline as it sent it (it never saw the merged 12) and re-sends it
    # unchanged: the removal stands.
    stale = await push(client, tablet, *snapshot_ops([tablet_saline], [meds_local]), mode=None)
    saline_result = next(r for r in stale["results"] if r["entityId"] == base_item["id"])
    assert saline_result["status"] == "conflict"
    assert (
        await client.get(f"/api/v1/items/{base_item['id']}", headers=alice.headers)
    ).status_code == 404

    # The tablet edits it offline: an edit wins over a delete it never saw.
    kept = {**tablet_saline, "notes": "keep me"}
    edited = await push(client, tablet, *snapshot_ops([kept], [meds_local]), mode=None)
    assert (
        next(r for r in edited["results"] if r["entityId"] == base_item["id"])["status"]
        == "applied"
    )
    revived = await get(client, alice, f"/items/{base_item['id']}")
    assert (revived["notes"], revived["quantity"]) == ("keep me", 12)
    history = await get(client, alice, f"/items/{base_item['id']}/history")
    assert [e["type"] for e in history["entries"]][-4:] == [
        "item.deleted",
        "item.conflict",  # the tablet's unchanged copy did not bring it back
        "item.created",
        "item.updated",
    ]


async def test_a_device_revives_what_it_removed_itself(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    gauze = await item(client, alice, meds["id"], name="Gauze", localId="gauze", quantity=2)
    tape = await item(client, alice, meds["id"], name="Tape", localId="tape")
    meds_local = local(meds, localId="meds")
    await pull(client, alice)
    # The phone deleted Gauze: its whole-state push names Tape only.
    await push(client, alice, *snapshot_ops([local(tape)], [meds_local]), mode=None)
    assert (
        await client.get(f"/api/v1/items/{gauze['id']}", headers=alice.headers)
    ).status_code == 404
    # Its retry queue then re-sends the item: the same id comes back, history kept.
    await push(client, alice, *snapshot_ops([local(gauze)], [meds_local]), mode=None)
    back = await get(client, alice, f"/items/{gauze['id']}")
    assert (back["name"], back["quantity"]) == ("Gauze", 2)
    history = await get(client, alice, f"/items/{gauze['id']}/history")
    assert [e["type"] for e in history["entries"]] == [
        "item.created",
        "item.deleted",
        "item.created",
    ]


async def test_a_device_that_never_pulled_deletes_nothing(
    client: httpx.AsyncClient, alice: Account
) -> None:
    newcomer = await second_device(client, alice)
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Existing")
    await push(
        client,
        newcomer,
        op("create", "item", localId="n1", data={"categoryId": meds["id"], "name": "New"}),
        mode=None,
    )
    names = sorted(i["name"] for i in (await get(client, alice, "/items"))["items"])
    assert names == ["Existing", "New"]


async def test_an_unchanged_household_repush_appends_no_events(
    client: httpx.AsyncClient, alice: Account, database: Database
) -> None:
    meds = await category(client, alice)
    ops = [
        op(
            "create",
            "item",
            localId=f"l{n}",
            data={"categoryId": meds["id"], "name": f"Item {n}", "quantity": n},
        )
        for n in range(500)
    ]
    assert (await push(client, alice, *ops))["successCount"] == 500
    state = await pull(client, alice)
    before = await event_count(database)
    again = await push(
        client, alice, *snapshot_ops([local(i) for i in state["items"]], []), mode=None
    )
    assert again["successCount"] == 500
    assert await event_count(database) == before


async def test_bad_sync_input(
    client: httpx.AsyncClient, alice: Account, database: Database
) -> None:
    before = await event_count(database)
    result = await push(
        client,
        alice,
        op("create", "widget", data={"name": "x"}),
        op("explode", "item", data={}),
        op("create", "item", data={"name": "no category"}),
        op("adjust_stock", "category", entityId=str(uuid.uuid4()), data={"delta": 1}),
        op("delete", "item", entityId=str(uuid.uuid4())),
    )
    assert [r["status"] for r in result["results"]] == ["rejected"] * 5
    assert all(r["error"]["code"] for r in result["results"])
    assert await event_count(database) == before

    for body in (
        {"operations": [{"type": "create", "entity": "item"}]},
        {"operations": "nope"},
        {"operations": [op("create", "item") for _ in range(501)], "mode": "ops"},
        {"operations": [], "mode": "everything"},
    ):
        response = await client.post(f"{SYNC}/push", json=body, headers=alice.headers)
        assert response.status_code == 422
    for cursor in ("garbage", "dnQxOjk5OTk5OTk"):  # malformed, and beyond the head
        response = await client.post(f"{SYNC}/pull", json={"cursor": cursor}, headers=alice.headers)
        assert response.status_code == 410
        assert response.json()["code"] == "cursor_expired"
    assert (
        await client.post(f"{SYNC}/pull", json={"limit": 0}, headers=alice.headers)
    ).status_code == 422
    assert await event_count(database) == before


async def test_full_pushes_then_pulls(client: httpx.AsyncClient, alice: Account) -> None:
    cursor = (await pull(client, alice))["nextCursor"]
    response = await client.post(
        f"{SYNC}/full",
        json={
            "operations": [op("create", "category", localId="c", data={"name": "Meds"})],
            "mode": "ops",
            "cursor": cursor,
        },
        headers=alice.headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["pushSuccessCount"] == 1
    assert [c["name"] for c in body["categories"]] == ["Meds"]
    assert [e["type"] for e in body["events"]] == ["created"]


async def test_last_sync_at_pulls_never_miss(client: httpx.AsyncClient, alice: Account) -> None:
    meds = await category(client, alice)
    response = await client.post(
        f"{SYNC}/pull", json={"lastSyncAt": "2000-01-01T00:00:00Z"}, headers=alice.headers
    )
    assert response.status_code == 200
    assert meds["id"] in [e["entityId"] for e in response.json()["events"]]


async def test_pushes_show_in_the_activity_log_and_pulls_write_nothing(
    client: httpx.AsyncClient, alice: Account, database: Database
) -> None:
    await pull(client, alice)
    await push(client, alice, op("create", "category", data={"name": "Meds"}))
    before = await event_count(database, everything=True)
    for _ in range(3):
        await pull(client, alice)
    assert await event_count(database, everything=True) == before  # a read writes no events
    actions = [
        e["action"] for e in (await get(client, alice, "/activity?entityType=sync"))["entries"]
    ]
    assert actions == ["sync_push"]

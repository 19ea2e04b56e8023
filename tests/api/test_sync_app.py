"""The release app's real sync life cycle (tests/api/released_app.py) against the server:
each defect the live checks found (issue 10), as the family would meet it."""

import asyncio
import contextlib
from typing import Any, cast
from uuid import UUID

import asyncpg
import httpx
import jwt

from devkit.release_ops import category_op, item_op, order_op
from infra.database import Database
from tests.api.accounts import PASSWORD, Account
from tests.api.inventory import category, get, item, stock
from tests.api.released_app import Lost, ReleasedApp
from tests.api.sync import SYNC
from tests.waiting import until


async def household(client: httpx.AsyncClient, who: Account) -> dict[str, int]:
    page = await get(client, who, "/items?pageSize=100")
    assert page["total"] < 100
    return {i["name"]: i["quantity"] for i in page["items"]}


async def conflicts(client: httpx.AsyncClient, who: Account) -> list[dict[str, Any]]:
    page = await get(client, who, "/activity?action=sync_conflict&pageSize=100")
    return cast(list[dict[str, Any]], page["entries"])


async def app(client: httpx.AsyncClient, who: Account, *lose: str) -> ReleasedApp:
    phone = ReleasedApp(client, who.email, PASSWORD)
    phone.faults.lose = list(lose)
    await phone.login()
    return phone


async def push_state(phone: ReleasedApp, *, lose: bool = False) -> None:
    """A client that pushes its whole state without logging out (the contract allows it)."""
    if lose:
        phone.faults.lose.append("push")
    ops = [*map(category_op, phone.categories), *map(item_op, phone.items)]
    ops += map(order_op, phone.orders)
    with contextlib.suppress(Lost):  # the app would queue it; this client drops it
        await phone._push(ops)
    phone.queue = []


async def test_a_lost_pull_seeds_without_deleting_overwriting_or_duplicating(
    client: httpx.AsyncClient, alice: Account
) -> None:
    phone = await app(client, alice)  # a new account: the app pushes its seed data
    phone.set_stock("HME Filter", 7)
    phone.create_item("Ventilator & Respiratory", "Spare mask", 2)
    await phone.logout()
    before = await household(client, alice)
    categories = (await get(client, alice, "/categories"))["total"]

    tablet = await app(client, alice, "pull")  # the pull answer is lost: seed data, pushed
    assert tablet.seeded
    assert await household(client, alice) == before
    assert (await get(client, alice, "/categories"))["total"] == categories
    # a seed row's 0 is where its stock started, not a count: nothing to take or refuse
    assert not any(e["itemName"] == "HME Filter" for e in await conflicts(client, alice))

    tablet.set_stock("HME Filter", 2)  # the family's edits on the seed rows still count
    tablet.delete_item("Spare mask")  # ... but a seed copy deletes nothing it never held
    await tablet.logout()
    after = await household(client, alice)
    assert after == {**before, "HME Filter": 9}


async def test_the_base_after_a_merged_push_is_what_the_device_sent(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Saline", quantity=100)
    phone, tablet = await app(client, alice), await app(client, alice)
    tablet.set_stock("Saline", 95)
    await push_state(tablet)
    phone.set_stock("Saline", 103)  # from 100: +3, merged with the tablet's -5
    await push_state(phone)
    assert (await household(client, alice))["Saline"] == 98
    phone.set_stock("Saline", 95)  # -8 from what the phone holds (103), answer lost
    await push_state(phone, lose=True)
    phone.set_stock("Saline", 99)  # +4
    await push_state(phone)
    assert (await household(client, alice))["Saline"] == 100 - 5 + 3 - 8 + 4


async def test_with_no_base_nothing_is_overwritten_and_the_conflict_is_recorded(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"], name="Saline", quantity=10, localId="s1")
    gone = await item(client, alice, meds["id"], name="Gauze", quantity=3, localId="g1")
    await client.patch(
        f"/api/v1/items/{saline['id']}/stock", json={"delta": -6}, headers=alice.headers
    )
    await client.delete(f"/api/v1/items/{gone['id']}", headers=alice.headers)
    # A session whose first request is a push (/sync/full pushes before it pulls).
    stale = [item_op({**saline, "quantity": 10}), item_op(gone)]
    response = await client.post(f"{SYNC}/full", json={"operations": stale}, headers=alice.headers)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["pushResults"]] == ["conflict", "conflict"]
    assert await household(client, alice) == {"Saline": 4}
    history = await get(client, alice, f"/items/{saline['id']}/history")
    clash = history["entries"][-1]
    assert clash["type"] == "item.conflict"
    assert clash["change"]["fields"]["quantity"] == {"device": "10", "server": "4"}


async def test_a_rejected_or_conflicting_operation_is_not_an_omission(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice, "Meds")
    await category(client, alice, "Wound care")
    await item(client, alice, meds["id"], name="Saline", quantity=1)
    phone = await app(client, alice)
    phone.item("Saline")["name"] = "S" * 300  # too long: rejected
    next(c for c in phone.categories if c["name"] == "Meds")["name"] = "Wound care"  # taken
    await phone.logout()
    assert await household(client, alice) == {"Saline": 1}
    names = {c["name"] for c in (await get(client, alice, "/categories"))["categories"]}
    assert names == {"Meds", "Wound care"}


async def test_an_order_applied_on_the_phone_adds_its_stock_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Saline", quantity=2)
    phone = await app(client, alice)
    order = phone.create_order([("Saline", 10)])
    phone.receive(order)
    phone.apply(order)  # Saline 12 on the phone
    phone.set_stock("Saline", 11)  # one used
    await phone.logout()
    assert (await household(client, alice))["Saline"] == 11
    (stored,) = (await get(client, alice, "/orders"))["orders"]
    assert (stored["status"], stored["totalUnits"]) == ("stock_updated", 10)
    assert stored["receivedAt"] and stored["appliedAt"]
    again = await client.post(f"/api/v1/orders/{stored['id']}/apply", headers=alice.headers)
    assert (again.status_code, again.json()["code"]) == (409, "already_applied")


async def test_an_order_applied_on_two_phones_and_over_rest_counts_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"], name="Saline", quantity=2)
    for applied_over_rest_first in (False, True):
        body = {"items": [{"itemId": saline["id"], "quantity": 5}]}
        order = (await client.post("/api/v1/orders", json=body, headers=alice.headers)).json()
        start = (await household(client, alice))["Saline"]
        phone, tablet = await app(client, alice), await app(client, alice)
        if applied_over_rest_first:
            path = f"/api/v1/orders/{order['id']}"
            await client.patch(f"{path}/status", json={"status": "received"}, headers=alice.headers)
            assert (await client.post(f"{path}/apply", headers=alice.headers)).status_code == 200
        for device in (phone, tablet):
            mine = next(o for o in device.orders if o["id"] == order["id"])
            device.receive(mine)
            device.apply(mine)
        tablet.set_stock("Saline", tablet.item("Saline")["quantity"] - 1)  # and one used
        await phone.logout()
        await tablet.logout()
        assert (await household(client, alice))["Saline"] == start + 5 - 1


async def test_an_order_whose_item_is_gone_keeps_its_line(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    gauze = await item(client, alice, meds["id"], name="Gauze", quantity=1)
    phone = await app(client, alice)
    phone.create_order([("Gauze", 3)])
    await client.delete(f"/api/v1/items/{gauze['id']}", headers=alice.headers)
    await phone.logout()
    (stored,) = (await get(client, alice, "/orders"))["orders"]
    assert [(line["name"], line["quantity"]) for line in stored["items"]] == [("Gauze", 3)]


async def test_resent_operations_are_duplicates_whatever_they_did(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Saline", quantity=1)
    phone = await app(client, alice)
    ops = [*map(category_op, phone.categories), *map(item_op, phone.items)]
    ops[-1]["data"]["name"] = ""  # rejected
    body = {"operations": ops}
    first = (await client.post(f"{SYNC}/push", json=body, headers=phone.headers)).json()
    assert [r["status"] for r in first["results"]] == ["applied", "rejected"]
    relogged = await app(client, alice)  # another session replays the same operations
    again = (await client.post(f"{SYNC}/push", json=body, headers=relogged.headers)).json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert again["results"][1]["error"]["code"] == "validation_error"


async def test_parallel_pulls_and_pushes_of_one_session_never_fail(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Saline", quantity=50)
    phone = await app(client, alice)
    pulls = [client.post(f"{SYNC}/pull", json={}, headers=phone.headers) for _ in range(6)]
    phone.set_stock("Saline", 49)
    body = {"operations": [*map(category_op, phone.categories), *map(item_op, phone.items)]}
    pushes = [client.post(f"{SYNC}/push", json=body, headers=phone.headers) for _ in range(6)]
    fulls = [client.post(f"{SYNC}/full", json=body, headers=phone.headers) for _ in range(3)]
    answers = await asyncio.gather(*pulls, *pushes, *fulls)
    assert [a.status_code for a in answers] == [200] * 15
    assert (await household(client, alice))["Saline"] == 49  # nine identical pushes: one -1


async def test_one_operation_replays_remove_nothing(
    client: httpx.AsyncClient, alice: Account
) -> None:
    phone = await app(client, alice, "push")  # the seed push's answer is lost: replayed
    assert phone.queue == []
    seeded = sorted(i["name"] for i in phone.items)
    assert sorted(await household(client, alice)) == seeded
    await phone.logout()
    assert sorted(await household(client, alice)) == seeded


async def test_reviving_and_renaming_a_category_frees_its_old_name(
    client: httpx.AsyncClient, alice: Account
) -> None:
    meds = await category(client, alice, "Meds")
    await category(client, alice, "Other")
    phone = await app(client, alice)
    await client.delete(f"/api/v1/categories/{meds['id']}", headers=alice.headers)
    next(c for c in phone.categories if c["name"] == "Meds")["name"] = "Drugs"
    await phone.logout()
    names = {c["name"] for c in (await get(client, alice, "/categories"))["categories"]}
    assert names == {"Drugs", "Other"}
    assert (await category(client, alice, "Meds"))["name"] == "Meds"


async def test_a_stock_change_landing_while_a_push_runs_counts_with_it(
    client: httpx.AsyncClient, alice: Account, database: Database
) -> None:
    """A push reads what it names once, at its start; a change landing after that read makes
    its copy stale: its save is refused and decided again on the current state, so both
    changes count. The change is made to land there: the test holds the session's row,
    which the push locks right after its read, and waits until the push waits for it."""
    meds = await category(client, alice)
    saline = await item(client, alice, meds["id"], name="Saline", quantity=100)
    phone = await app(client, alice)
    await push_state(phone)
    phone.set_stock("Saline", 90)  # -10 on the phone
    session = jwt.decode(phone.headers["Authorization"][7:], options={"verify_signature": False})
    holder = await asyncpg.connect(database.asyncpg_dsn)
    try:
        hold = holder.transaction()
        await hold.start()
        await holder.execute(
            "SELECT 1 FROM sync_sessions WHERE session_id = $1 FOR UPDATE", UUID(session["sid"])
        )
        pushing = asyncio.create_task(push_state(phone))
        await until(lambda: waiting_on_sync_sessions(holder))
        nurse = await stock(client, alice, saline["id"], delta=5)
        await hold.commit()
        await pushing
    finally:
        await holder.close()
    assert nurse.status_code == 200
    assert (await household(client, alice))["Saline"] == 95


async def waiting_on_sync_sessions(conn: asyncpg.Connection) -> bool:
    """Another backend waits for a row lock of sync_sessions (the push, blocked)."""
    return bool(
        await conn.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE NOT l.granted AND a.query LIKE '%sync_sessions%' AND a.pid <> pg_backend_pid()"
        )
    )


async def test_a_push_naming_one_item_twice_is_answered(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Hostile or buggy clients may repeat an entity in one push: each operation is merged
    in turn (the second against what the first sent), nothing fails."""
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Saline", quantity=100)
    phone = await app(client, alice)
    phone.set_stock("Saline", 90)
    ops = [*map(category_op, phone.categories), *map(item_op, phone.items)]
    again = {**item_op(phone.item("Saline")), "data": {**ops[-1]["data"], "quantity": 80}}
    answer = await phone._push([*ops, again])
    assert answer["successCount"] == len(ops) + 1
    assert (await household(client, alice))["Saline"] == 80


async def family_with_ambu_bags(client: httpx.AsyncClient, alice: Account) -> None:
    """A household made from the app's seed, with 5 Ambu Bags."""
    phone = await app(client, alice)  # a new account: the app pushes its seed data
    phone.set_stock("Ambu Bag", 5)
    await phone.logout()


async def test_replays_of_a_failed_seed_push_keep_the_familys_edits(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Issue 21 #3: the login pull's answer is lost and the seed push never reaches the
    server; its operations are replayed one per request. The category's match by name is
    remembered, so the item's replay finds it, and the family's +4 on the seed row counts
    at logout (seed rows start at 0)."""
    await family_with_ambu_bags(client, alice)
    tablet = ReleasedApp(client, alice.email, PASSWORD)
    tablet.faults.lose, tablet.faults.fail = ["pull"], ["push"]
    await tablet.login()
    assert tablet.seeded and not tablet.queue  # every replay answered
    replays = [ops for ops in tablet.pushes if len(ops) == 1]
    assert replays and all(len(ops) == 1 for ops in replays)
    tablet.set_stock("Ambu Bag", 4)
    await tablet.logout()
    assert (await household(client, alice))["Ambu Bag"] == 9


async def test_a_seed_the_server_never_saw_still_counts_from_zero(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Issue 21 #3, variant: the seed push and every replay fail; the logout push is the
    first the server sees of the seed rows: +4 on a seed row is +4."""
    await family_with_ambu_bags(client, alice)
    tablet = ReleasedApp(client, alice.email, PASSWORD)
    tablet.faults.lose, tablet.faults.fail = ["pull"], ["push"] + ["replay"] * 100
    await tablet.login()
    tablet.set_stock("Ambu Bag", 4)
    await tablet.logout()
    assert tablet.faults.fail  # the replays at logout failed too
    assert (await household(client, alice))["Ambu Bag"] == 9


async def test_a_matched_seed_row_renamed_later_is_not_created_again(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Issue 21 #4: the seed push matched the device's Ambu Bag to the household's; the
    family renames it and sets 4: the logout push changes that item, it makes no second."""
    await family_with_ambu_bags(client, alice)
    tablet = await app(client, alice, "pull")
    tablet.item("Ambu Bag")["name"] = "Ambu Bag r7"
    tablet.set_stock("Ambu Bag r7", 4)
    await tablet.logout()
    stocked = await household(client, alice)
    assert "Ambu Bag" not in stocked
    assert stocked["Ambu Bag r7"] == 9


async def test_seed_data_brings_back_a_deleted_supply_only_by_the_phones_own_use(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """The family deleted the Ambu Bag; a phone whose seed data never reached the server
    logs out: its unchanged seed row leaves it deleted (a conflict, no new item beside it),
    and its use of another seed row brings that one back with just that use. A device that
    held the deleted one and changed it revives that same item, not a second."""
    await family_with_ambu_bags(client, alice)
    editor = await app(client, alice)  # holds the household's Ambu Bag (5)
    cleaner = await app(client, alice)
    cleaner.delete_item("Ambu Bag")
    cleaner.delete_item("Suction Catheter")
    await cleaner.logout()
    assert "Ambu Bag" not in await household(client, alice)
    tablet = ReleasedApp(client, alice.email, PASSWORD)
    tablet.faults.lose, tablet.faults.fail = ["pull"], ["push"] + ["replay"] * 100
    await tablet.login()
    tablet.set_stock("Suction Catheter", 3)
    await tablet.logout()
    stocked = await household(client, alice)
    assert "Ambu Bag" not in stocked and stocked["Suction Catheter"] == 3
    editor.set_stock("Ambu Bag", 7)
    await editor.logout()
    assert (await household(client, alice))["Ambu Bag"] == 7
    names = [i["name"] for i in (await get(client, alice, "/items?pageSize=100"))["items"]]
    assert len(names) == len(set(names))


async def test_an_order_received_after_being_ordered_passes_through_ordered(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Issue 21 #6: the device's order went pending -> ordered -> received (it carries
    orderedAt): the server's order goes the same way and gets both timestamps."""
    meds = await category(client, alice)
    await item(client, alice, meds["id"], name="Saline", quantity=1)
    phone = await app(client, alice)
    order = phone.create_order([("Saline", 3)])
    phone.set_status(order, "ordered")
    phone.set_status(order, "received")
    await phone.logout()
    orders = (await get(client, alice, "/orders"))["orders"]
    assert [(o["status"], bool(o["orderedAt"]), bool(o["receivedAt"])) for o in orders] == [
        ("received", True, True)
    ]


async def test_another_households_category_reads_as_an_unknown_id(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    """A whole-state push naming another household's category answers exactly as for an
    id nobody has: nothing of that household (its items' ids) leaks into the answer."""
    theirs = await category(client, bob)
    await item(client, bob, theirs["id"], name="Ambu Bag")

    async def answer(category_id: str) -> dict[str, Any]:
        data = {"categoryId": category_id, "name": "Ambu Bag", "quantity": 1}
        ops = [{"id": f"op-{category_id}", "type": "create", "entity": "item", "data": data}]
        pushed = await client.post(f"{SYNC}/push", json={"operations": ops}, headers=alice.headers)
        assert pushed.status_code == 200
        return cast(dict[str, Any], pushed.json()["results"][0])

    foreign, unknown = await answer(theirs["id"]), await answer(str(UUID(int=7)))
    assert foreign["status"] == unknown["status"] == "rejected"
    assert (
        foreign["error"]
        == unknown["error"]
        == {
            "code": "bad_request",
            "message": "Category not found",
        }
    )

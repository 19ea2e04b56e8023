"""Whole-state clients that pull between their pushes in one session (API.md 8.3 allows it),
and how the server proves what such a device holds (docs/sync.md, R1-R3)."""

import asyncio
import contextlib
from typing import Any

import httpx

from tests.api.accounts import PASSWORD, Account
from tests.api.inventory import category, get, item, stock
from tests.api.released_app import Lost
from tests.api.sync import op, pull, push
from tests.api.whole_state_client import WholeStateClient


async def device(client: httpx.AsyncClient, who: Account, **options: bool) -> WholeStateClient:
    """A new session (a login) of `who`, which bootstraps."""
    body = {"identifier": who.email, "password": PASSWORD}
    answer = (await client.post("/api/v1/auth/login", json=body)).json()
    phone = WholeStateClient(
        client, {"Authorization": f"Bearer {answer['access_token']}"}, **options
    )
    await phone.pull()
    return phone


async def saline(client: httpx.AsyncClient, who: Account, quantity: int = 100) -> dict[str, Any]:
    meds = await category(client, who)
    return await item(client, who, meds["id"], name="Saline", quantity=quantity)


async def quantity(client: httpx.AsyncClient, who: Account, item_id: str) -> int:
    return int((await get(client, who, f"/items/{item_id}"))["quantity"])


async def test_a_pull_the_device_answered_from_supersedes_what_it_sent(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Issue 21 #1: the device pushes back exactly what a later pull gave it: its base is
    that pull, not what it sent before, so another device's -6 is not applied again."""
    thing = await saline(client, alice)
    phone = await device(client, alice, tokens_in_pushes=False)
    assert (await stock(client, alice, thing["id"], delta=-6)).status_code == 200  # B: 94
    await phone.push()  # its unchanged 100
    assert await quantity(client, alice, thing["id"]) == 94
    await phone.pull()  # 94, v2
    for _ in range(3):
        results = (await phone.push())["results"]
        assert {r["status"] for r in results} == {"applied"}
        assert await quantity(client, alice, thing["id"]) == 94


async def test_a_push_sending_back_the_pulls_server_time_proves_it(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """The device pulls, uses 4 and pushes with `lastSyncAt` = that answer's serverTime:
    the pull is its base, so only its -4 counts on top of the other device's -6."""
    thing = await saline(client, alice)
    phone = await device(client, alice)
    await phone.push()
    assert (await stock(client, alice, thing["id"], delta=-6)).status_code == 200
    await phone.pull()
    phone.use("Saline", 4)
    await phone.push()
    assert await quantity(client, alice, thing["id"]) == 90


async def test_a_lost_pull_leaves_the_base_at_what_the_device_sent(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """The pull's answer is lost: the device still holds what it sent, and the token it
    sends back is the older answer's. Its -4 counts once, and so does the other's -6."""
    thing = await saline(client, alice)
    phone = await device(client, alice)
    await phone.push()
    assert (await stock(client, alice, thing["id"], delta=-6)).status_code == 200
    phone.lose.append("pull")  # the server delivers v2 (94); the phone never sees it
    await pull_lost(phone)
    phone.use("Saline", 4)
    await phone.push()
    assert await quantity(client, alice, thing["id"]) == 90


async def test_a_version_the_device_names_proves_its_copy(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """A client that sends resources back as received (with their `version`) proves which
    version it holds, with no other token."""
    thing = await saline(client, alice)
    phone = await device(client, alice, tokens_in_pushes=False, versions=True)
    await phone.push()
    assert (await stock(client, alice, thing["id"], delta=-6)).status_code == 200
    await phone.pull()
    phone.use("Saline", 4)
    await phone.push()
    assert await quantity(client, alice, thing["id"]) == 90


async def test_a_repeated_pull_keeps_the_proof_of_receipt(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Issue 21 #2: a pull that delivers a version again does not void the proof that the
    device received it the first time."""
    thing = await saline(client, alice)
    phone = await device(client, alice, tokens_in_pushes=False)
    phone.last_sync_at = "2020-01-01T00:00:00Z"  # its own clock: proves nothing
    await phone.pull()  # re-delivers Saline v1
    phone.item("Saline")["quantity"] = 103
    results = (await phone.push())["results"]
    assert {r["status"] for r in results} == {"applied"}
    assert await quantity(client, alice, thing["id"]) == 103


async def test_a_cursor_client_proves_each_answer_by_continuing_from_it(
    client: httpx.AsyncClient, alice: Account
) -> None:
    thing = await saline(client, alice)
    phone = await device(client, alice, cursors=True, tokens_in_pushes=False)
    await phone.push()
    assert (await stock(client, alice, thing["id"], delta=-6)).status_code == 200
    await phone.pull()  # delivers v2 (94), proven by the next request that continues
    await phone.pull()  # from its cursor
    phone.use("Saline", 4)
    await phone.push()
    assert await quantity(client, alice, thing["id"]) == 90


async def test_an_all_duplicate_push_answers_the_head_as_its_cursor(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Issue 21 #7: a client following the cursor of a push that changed nothing must not
    be sent back to position 0 (the whole history)."""
    meds = await category(client, alice)
    create = op("create", "item", data={"categoryId": meds["id"], "name": "Gauze"})
    first = await push(client, alice, create)
    again = await push(client, alice, create)
    assert again["results"][0]["status"] == "duplicate"
    assert again["cursor"] == first["cursor"]
    page = await pull(client, alice, again["cursor"])
    assert page["events"] == []


async def test_an_ops_resend_tells_the_first_rejection(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Issue 21 #8: after a lost answer, a resent rejected operation still says it failed
    (ops mode); a whole-state push keeps counting duplicates as successes."""
    missing = op("adjust_stock", "item", entityId="no-such-item", data={"delta": 1})
    first = (await push(client, alice, missing))["results"][0]
    again = (await push(client, alice, missing))["results"][0]
    assert (first["status"], first["success"]) == ("rejected", False)
    assert (again["status"], again["success"]) == ("duplicate", False)
    assert again["error"] == first["error"]
    whole = (await push(client, alice, missing, mode=None))["results"][0]
    assert (whole["status"], whole["success"]) == ("duplicate", True)


async def test_one_operation_sent_by_six_sessions_at_once_applies_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Issue 21 #5: the same push from six sessions at once: each operation id is
    processed exactly once; the stock moves once; every other answer is a duplicate of
    that first outcome."""
    thing = await saline(client, alice)
    meds = thing["categoryId"]
    phones = [await device(client, alice) for _ in range(6)]
    ops = [
        op(
            "create",
            "item",
            id="new-gauze",
            localId="gauze",
            data={"categoryId": meds, "name": "Gauze", "quantity": 5},
        ),
        op("adjust_stock", "item", id="use-two", entityId=thing["id"], data={"delta": -2}),
        op("adjust_stock", "item", id="gauze-plus-one", entityId="gauze", data={"delta": 1}),
    ]
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/sync/push", json={"operations": ops, "mode": "ops"}, headers=p.headers
            )
            for p in phones
        )
    )
    results = [a.json()["results"] for a in answers]
    for index in range(len(ops)):
        statuses = sorted(r[index]["status"] for r in results)
        assert statuses == ["applied"] + ["duplicate"] * 5, statuses
        firsts = {(r[index]["entityId"], r[index]["serverVersion"]) for r in results}
        assert len(firsts) == 1
    assert await quantity(client, alice, thing["id"]) == 98
    names = {i["name"]: i["quantity"] for i in (await get(client, alice, "/items"))["items"]}
    assert names == {"Saline": 98, "Gauze": 6}


async def pull_lost(phone: WholeStateClient) -> None:
    with contextlib.suppress(Lost):
        await phone.pull()
    assert not phone.lose

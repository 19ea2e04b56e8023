"""Idempotency-Key (API.md 1.4): a retry gets the first answer back, refusals included, and
sync pushes honour the key too."""

import httpx

from tests.api.accounts import Account
from tests.api.inventory import category, get, item, stock
from tests.api.sync import SYNC, op


async def test_a_refusal_is_replayed_not_re_executed(
    client: httpx.AsyncClient, alice: Account
) -> None:
    saline = await item(client, alice, (await category(client, alice))["id"], quantity=1)
    path = f"/api/v1/items/{saline['id']}/stock"
    keyed = {**alice.headers, "Idempotency-Key": "take-3"}
    first = await client.patch(path, json={"delta": -3}, headers=keyed)
    assert (first.status_code, first.json()["code"]) == (409, "insufficient_stock")
    await stock(client, alice, saline["id"], delta=10)  # now there would be enough
    again = await client.patch(path, json={"delta": -3}, headers=keyed)
    assert (again.status_code, again.json()) == (409, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert (await get(client, alice, f"/items/{saline['id']}"))["quantity"] == 11


async def test_a_sync_push_with_a_key_answers_its_first_answer_again(
    client: httpx.AsyncClient, alice: Account
) -> None:
    body = {"operations": [op("create", "category", localId="c", data={"name": "Meds"})]}
    keyed = {**alice.headers, "Idempotency-Key": "push-1"}
    first = await client.post(f"{SYNC}/push", json={**body, "mode": "ops"}, headers=keyed)
    again = await client.post(f"{SYNC}/push", json={**body, "mode": "ops"}, headers=keyed)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()  # "applied", as first answered, not "duplicate"
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post(f"{SYNC}/full", json=body, headers=keyed)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert (await get(client, alice, "/categories"))["total"] == 1

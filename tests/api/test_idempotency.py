"""Idempotency-Key (API.md 1.4): a retry gets the first answer back, refusals included, and
sync pushes honour the key too."""

import asyncpg
import httpx

from infra.database import Database
from tests.api.accounts import PASSWORD, Account
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


async def test_a_sign_up_retried_with_its_key_signs_in_the_same_account_again(
    client: httpx.AsyncClient, database: Database
) -> None:
    """A lost 201: the retry answers 201 for the one account, with a session of its own; the
    first answer's tokens are never kept (refresh tokens live only as hashes, API.md 1.2)."""
    body = {"email": "lost@example.com", "password": PASSWORD, "name": "Lost Answer"}
    keyed = {"Idempotency-Key": "sign-up-1"}
    first = await client.post("/api/v1/auth/register", json=body, headers=keyed)
    again = await client.post("/api/v1/auth/register", json=body, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    same = ("id", "email", "createdAt")
    assert [again.json()["user"][k] for k in same] == [first.json()["user"][k] for k in same]
    assert again.json()["refresh_token"] != first.json()["refresh_token"]
    for answer in (first, again):
        me = await client.get("/api/v1/auth/me", headers=bearer(answer.json()))
        assert me.json()["id"] == first.json()["user"]["id"]
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        kept = await conn.fetchval("SELECT body::text FROM idempotency_keys")
    finally:
        await conn.close()
    assert first.json()["refresh_token"] not in kept and "access_token" not in kept
    other = {**body, "password": "An0ther-Secret"}
    reused = await client.post("/api/v1/auth/register", json=other, headers=keyed)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    unkeyed = await client.post("/api/v1/auth/register", json=body)
    assert (unkeyed.status_code, unkeyed.json()["code"]) == (409, "conflict")


def bearer(auth: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {auth['access_token']}"}

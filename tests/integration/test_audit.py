"""`vitaltrack audit replay`: history from the log, and state as of a moment, from events."""

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from infra.database import Database
from tests.api.accounts import Account, register
from tests.api.inventory import category, get, item, stock
from tests.waiting import until_sync


def audit(database: Database, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database.asyncpg_dsn, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "vitaltrack.cli", "audit", "replay", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


async def test_state_as_of_a_moment_equals_what_the_api_answered_then(
    client: httpx.AsyncClient, database: Database
) -> None:
    carer: Account = await register(client, "audit@example.com")
    meds = await category(client, carer)
    saline = await item(client, carer, meds["id"], name="Saline", quantity=5)
    await stock(client, carer, saline["id"], delta=-2, reason="used")
    await item(client, carer, meds["id"], name="Gauze", quantity=1)
    seen_then = await get(client, carer, "/items")
    moment = datetime.now(UTC)
    until_sync(lambda: datetime.now(UTC) > moment, "the clock passes the moment")  # later events
    await stock(client, carer, saline["id"], delta=10)
    await client.delete(f"/api/v1/items/{saline['id']}", headers=carer.headers)

    result = audit(
        database, "--owner", "AUDIT@example.com", "--as-of", moment.isoformat(), "--output", "json"
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)

    def by_id(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(items, key=lambda i: i["id"])

    assert by_id(state["items"]) == by_id(seen_then["items"])
    assert [c["name"] for c in state["categories"]] == ["Medication"]


async def test_history_lists_the_owners_events_in_order(
    client: httpx.AsyncClient, database: Database
) -> None:
    carer = await register(client, "history@example.com")
    other = await register(client, "other@example.com")
    meds = await category(client, carer)
    saline = await item(client, carer, meds["id"], name="Saline")
    await stock(client, carer, saline["id"], delta=3, reason="delivery")
    await category(client, other, "Not theirs")

    everything = audit(database, "--owner", "history@example.com", "--output", "json")
    entries = json.loads(everything.stdout)
    assert [e["position"] for e in entries] == sorted(e["position"] for e in entries)
    assert "category.Created" in [e["action"] for e in entries]
    assert all(e["change"].get("name") != "Not theirs" for e in entries)
    one_item = json.loads(
        audit(
            database, "--owner", "history@example.com", "--entity", saline["id"], "--output", "json"
        ).stdout
    )
    assert [e["action"] for e in one_item] == ["item.Created", "item.StockAdjusted"]
    assert one_item[1]["change"]["reason"] == "delivery"
    as_csv = audit(database, "--owner", "history@example.com", "--output", "csv")
    assert as_csv.stdout.splitlines()[0].startswith("position,time,via,action")
    unknown = audit(database, "--owner", "nobody@example.com")
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: no account")


async def test_one_entity_as_of_a_moment_reads_as_text_and_an_unknown_one_is_refused(
    client: httpx.AsyncClient, database: Database
) -> None:
    carer = await register(client, "entity@example.com")
    meds = await category(client, carer)
    saline = await item(client, carer, meds["id"], name="Saline", quantity=5)
    await item(client, carer, meds["id"], name="Gauze")
    order = await client.post(
        "/api/v1/orders", json={"items": [{"itemId": saline["id"]}]}, headers=carer.headers
    )
    path = f"/api/v1/orders/{order.json()['id']}"
    for status in ("ordered", "received"):
        await client.patch(f"{path}/status", json={"status": status}, headers=carer.headers)
    applied = await client.post(f"{path}/apply", headers=carer.headers)
    assert applied.status_code == 200, applied.text
    await client.put(
        f"/api/v1/items/{saline['id']}", json={"notes": "fridge"}, headers=carer.headers
    )
    now = datetime.now(UTC).isoformat()

    one = audit(database, "--owner", carer.email, "--entity", saline["id"], "--as-of", now)
    assert one.returncode == 0, one.stderr
    (line,) = one.stdout.splitlines()  # that item only, on one line
    assert line.startswith(f"item      {saline['id']}  Saline  ") and "quantity=6" in line

    history = audit(database, "--owner", carer.email)
    assert history.returncode == 0, history.stderr
    for python_spelling in ("None", "UUID(", "AppliedLine(", "datetime.", "Decimal("):
        assert python_spelling not in history.stdout, history.stdout
    assert f'applied=[{{"item_id": "{saline["id"]}", "quantity": 1}}]' in history.stdout

    nowhere = str(uuid.uuid4())
    for extra in ((), ("--as-of", now)):
        unknown = audit(database, "--owner", carer.email, "--entity", nowhere, *extra)
        assert unknown.returncode == 1, unknown.stdout
        assert unknown.stderr.startswith(f"error: no such entity: {nowhere}")
    others = await register(client, "others@example.com")
    theirs = await category(client, others, "Theirs")
    foreign = audit(database, "--owner", carer.email, "--entity", theirs["id"])
    assert foreign.returncode == 1 and "no such entity" in foreign.stderr

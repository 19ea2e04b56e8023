"""Migration 0017 on a database populated before it: every account becomes the owner of a
household holding exactly its data; ids, versions, history and sync cursors unchanged."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import psycopg

import migrations
from devkit.postgres import scratch_database
from infra.database import Database
from infra.settings import Settings
from tests.api.accounts import Account, register
from tests.api.inventory import category, get, item, stock
from tests.api.sync import op, pull, push
from tests.documented import checked_client
from vitaltrack.app import create_app


@asynccontextmanager
async def serving(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"database_url": database.asyncpg_dsn}), database)
    async with app.router.lifespan_context(app), checked_client(app) as client:
        yield client


async def what_it_reads(client: httpx.AsyncClient, who: Account) -> dict[str, Any]:
    return {
        "items": (await get(client, who, "/items"))["items"],
        "orders": (await get(client, who, "/orders"))["orders"],
        "stats": await get(client, who, "/items/stats"),
        "activity": [
            {k: v for k, v in e.items() if k != "actor"}
            for e in (await get(client, who, "/activity?pageSize=100"))["entries"]
        ],
    }


async def test_every_account_becomes_the_owner_of_its_data(
    pg_server: Database, settings: Settings
) -> None:
    with scratch_database(pg_server) as database:
        migrations.upgrade(database)
        async with serving(settings, database) as client:
            people = [await register(client, f"home{n}@example.com") for n in range(3)]
            for who in people:
                meds = await category(client, who)
                saline = await item(client, who, meds["id"], name="Saline", quantity=5)
                assert (await stock(client, who, saline["id"], delta=-1)).status_code == 200
                made = await client.post(
                    "/api/v1/orders",
                    json={"items": [{"itemId": saline["id"], "quantity": 3}]},
                    headers={**who.headers, "Idempotency-Key": "order-1"},
                )
                assert made.status_code == 201
            cursor = (await pull(client, people[0]))["nextCursor"]
            created = op("create", "category", data={"name": "Airway"})
            await push(client, people[0], created)
            before = [await what_it_reads(client, who) for who in people]
        with psycopg.connect(database.asyncpg_dsn, autocommit=True) as conn:
            migrations.downgrade(database, "0016")  # as it was before households
            assert conn.execute("SELECT to_regclass('households')").fetchone() == (None,)
        migrations.upgrade(database)
        async with serving(settings, database) as client:
            assert [await what_it_reads(client, who) for who in people] == before
            for who in people:
                mine = (await get(client, who, "/households"))["households"]
                assert [(h["id"], h["role"]) for h in mine] == [(who.user_id, "owner")]
            page = await pull(client, people[0], cursor)  # the old cursor still continues
            assert [e["entity"] for e in page["events"]] == ["category"]
            again = await client.post(
                "/api/v1/orders",
                json={"items": [{"itemId": before[0]["items"][0]["id"], "quantity": 3}]},
                headers={**people[0].headers, "Idempotency-Key": "order-1"},
            )
            assert again.headers.get("Idempotent-Replayed") == "true"
            assert (await push(client, people[0], created))["results"][0]["status"] == "duplicate"

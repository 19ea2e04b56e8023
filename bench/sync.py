"""Sync: push throughput for 500 operations, and the latency of one pull page near the head
with 10k and then 1M events of total history (many owners) in the feed."""

import logging
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from bench.report import heading, latencies, line
from devkit.release_ops import category_op, item_op
from infra.database import Database
from infra.settings import Settings
from vitaltrack.app import create_app

PAGE = 500
PULLS = 60
OWNERS = 1000


async def fill_history(conn: asyncpg.Connection, total: int) -> None:
    """Other households' history, below our owner's positions (the feed is keyed by owner)."""
    have = await conn.fetchval("SELECT count(*) FROM owner_feed")
    missing = total - have
    if missing <= 0:
        return
    await conn.execute(
        "INSERT INTO owner_feed "
        "(owner_id, position, entity, entity_id, version, type, data, occurred_at) "
        "SELECT o.id, -g, 'item', gen_random_uuid(), 1, 'updated', "
        "jsonb_build_object('name', 'Filler ' || g, 'quantity', g % 100), now() "
        "FROM generate_series(1, $1) AS g "
        "JOIN (SELECT row_number() OVER () AS n, gen_random_uuid() AS id "
        "      FROM generate_series(1, $2)) AS o ON o.n = 1 + g % $2",
        missing,
        OWNERS,
    )
    await conn.execute("ANALYZE owner_feed")


async def pull_latency(
    client: httpx.AsyncClient, headers: dict[str, str], cursor: str
) -> list[float]:
    samples = []
    for _ in range(PULLS):
        started = time.perf_counter()
        response = await client.post(
            "/api/v1/sync/pull", json={"cursor": cursor, "limit": PAGE}, headers=headers
        )
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200 and len(response.json()["events"]) == PAGE
    return samples


async def whole_state_pushes(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """The current app's logout push of a 500-entity household (API.md 8.5), after the pull
    at login: unchanged, 20 items changed, every item changed."""
    pulled = (await client.post("/api/v1/sync/pull", json={}, headers=headers)).json()
    categories, items = pulled["categories"], pulled["items"]
    for label, changed in (("unchanged", 0), ("20 items changed", 20), ("all changed", 499)):
        for item in items[:changed]:
            item["quantity"] += 1
        ops = [*map(category_op, categories), *map(item_op, items)]
        started = time.perf_counter()
        pushed = await client.post("/api/v1/sync/push", json={"operations": ops}, headers=headers)
        elapsed = time.perf_counter() - started
        assert pushed.json()["successCount"] == len(ops), pushed.text
        line(f"whole-state push of {len(ops)}, {label}", f"{elapsed * 1000:7.0f} ms")


async def run(database: Database, data_dir: Path) -> None:
    heading("sync")
    logging.getLogger("infra.watermark").setLevel(logging.ERROR)
    settings = Settings(
        database_url=database.asyncpg_dsn,
        environment="testing",
        data_dir=data_dir,
        rate_limit_enabled=False,
    )
    app = create_app(settings, database)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=120
        ) as client:
            auth = await client.post(
                "/api/v1/auth/register",
                json={
                    "username": f"s{uuid.uuid4().hex[:8]}",
                    "password": "Passw0rdOK",
                    "name": "S",
                },
            )
            headers = {"Authorization": f"Bearer {auth.json()['access_token']}"}
            start = (await client.post("/api/v1/sync/pull", json={}, headers=headers)).json()[
                "nextCursor"
            ]
            ops = [
                {
                    "id": "c",
                    "type": "create",
                    "entity": "category",
                    "localId": "c",
                    "data": {"name": "C"},
                }
            ]
            ops += [
                {
                    "id": f"i{n}",
                    "type": "create",
                    "entity": "item",
                    "localId": f"i{n}",
                    "data": {"categoryId": "c", "name": f"Item {n}", "quantity": n},
                }
                for n in range(499)
            ]
            started = time.perf_counter()
            pushed = await client.post(
                "/api/v1/sync/push", json={"operations": ops, "mode": "ops"}, headers=headers
            )
            elapsed = time.perf_counter() - started
            assert pushed.json()["successCount"] == 500, pushed.text
            line("push of 500 operations (ops mode, creates)", f"{500 / elapsed:7.0f} ops/s")
            adjust = [
                {
                    "id": f"a{n}",
                    "type": "adjust_stock",
                    "entity": "item",
                    "entityId": f"i{n % 499}",
                    "data": {"delta": 1},
                }
                for n in range(500)
            ]
            started = time.perf_counter()
            await client.post(
                "/api/v1/sync/push", json={"operations": adjust, "mode": "ops"}, headers=headers
            )
            line(
                "push of 500 adjust_stock operations",
                f"{500 / (time.perf_counter() - started):7.0f} ops/s",
            )

            await whole_state_pushes(client, headers)

            conn = await asyncpg.connect(database.asyncpg_dsn)
            try:
                figures = {}
                for total in (10_000, 1_000_000):
                    await fill_history(conn, total)
                    figures[total] = await pull_latency(client, headers, start)
                    latencies(
                        f"pull one page of {PAGE}, {total:,} events in the feed", figures[total]
                    )
            finally:
                await conn.close()
            ratio = sorted(figures[1_000_000])[PULLS // 2] / sorted(figures[10_000])[PULLS // 2]
            line("p50 ratio, 1M vs 10k history (target <= 1.5)", f"{ratio:7.2f}x")

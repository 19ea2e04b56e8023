"""Command path: handler throughput, and HTTP latency with and without read-your-writes."""

import asyncio
import logging
import time
import uuid
from pathlib import Path

import httpx

from bench.report import heading, latencies, line
from command.categories import handlers
from events.store import Store
from vitaltrack.app import create_app
from vitaltrack.database import Database
from vitaltrack.settings import Settings

N = 1000
CONCURRENCY = 8


def handler_throughput(database: Database) -> None:
    store = Store(env=database.eventsourcing_env(pool_size=4))
    owner = uuid.uuid4()
    started = time.perf_counter()
    for n in range(N):
        handlers.create_category(
            store, handlers.CreateCategory(owner, f"c{n}", None, 0, False, None)
        )
    created = time.perf_counter() - started
    category = handlers.create_category(
        store, handlers.CreateCategory(owner, "renamed", None, 0, False, None)
    ).aggregate
    started = time.perf_counter()
    for n in range(N):
        handlers.revise_category(
            store, handlers.ReviseCategory(owner, category.id, None, None, n + 1, None, None)
        )
    revised = time.perf_counter() - started
    store.close()
    line(f"create category (aggregate + name index), {N} sequential", f"{N / created:7.0f} cmd/s")
    line(f"revise one category (aggregate cache), {N} sequential", f"{N / revised:7.0f} cmd/s")


async def http_latency(database: Database, data_dir: Path, wait_for_read_side: bool) -> list[float]:
    settings = Settings(
        database_url=database.asyncpg_dsn,
        environment="testing",
        data_dir=data_dir,
        read_your_writes_timeout=5.0 if wait_for_read_side else 0.0,
    )
    app = create_app(settings, database)
    samples: list[float] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            auth = await client.post(
                "/api/v1/auth/register",
                json={
                    "username": f"b{uuid.uuid4().hex[:8]}",
                    "password": "Passw0rdOK",
                    "name": "B",
                },
            )
            headers = {"Authorization": f"Bearer {auth.json()['access_token']}"}
            while (await client.get("/api/v1/auth/me", headers=headers)).status_code != 200:
                await asyncio.sleep(0.01)  # the no-wait baseline must still see its own user

            async def worker(w: int) -> None:
                for n in range(N // CONCURRENCY):
                    started = time.perf_counter()
                    response = await client.post(
                        "/api/v1/categories", json={"name": f"w{w}-{n}"}, headers=headers
                    )
                    samples.append(time.perf_counter() - started)
                    assert response.status_code == 201, response.text

            await asyncio.gather(*(worker(w) for w in range(CONCURRENCY)))
    return samples


async def run(database: Database, data_dir: Path) -> None:
    heading("commands")
    handler_throughput(database)
    started = time.perf_counter()
    waited = await http_latency(database, data_dir, wait_for_read_side=True)
    elapsed = time.perf_counter() - started
    # Without the wait every command "times out" at once; its warning is expected here.
    logging.getLogger("vitaltrack.catchup").setLevel(logging.ERROR)
    baseline = await http_latency(database, data_dir, wait_for_read_side=False)
    latencies(f"POST /categories, {CONCURRENCY} clients, no read-side wait", baseline)
    latencies(f"POST /categories, {CONCURRENCY} clients, read-your-writes", waited)
    line("read-your-writes throughput", f"{len(waited) / elapsed:7.0f} req/s")

"""Command path in-process (issue 13, benchmark 2): stock deltas on existing items with 1 and
8 writers, ours against the library's defaults (no cache, no snapshots, the library's own
recorder, one save per command) and against the durable-append limit (single-row autocommit
INSERTs over 8 asyncpg connections); an item with 10 events against one with 10,000; and
HTTP latency with and without read-your-writes."""

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Transcoder

from bench.report import heading, latencies, line
from command.categories import handlers as categories
from command.items import handlers as items
from command.unit_of_work import UnitOfWork
from events.attribution import Via
from events.category import CategoryDetails
from events.item import Item, ItemDetails
from events.store import FastReadTranscoder, Store, register_transcodings
from infra.database import Database
from infra.settings import Settings
from vitaltrack.app import create_app

ITEMS = 200
COMMANDS = 2000
LONG_HISTORY = 10_000
CONCURRENCY = 8


class LibraryDefaults(Application[Any]):
    """The library as it comes: its recorder, no aggregate cache, no snapshots."""

    name = "VitalTrack"  # the same tables

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastReadTranscoder()
        register_transcodings(transcoder)
        return transcoder


def library_env(database: Database) -> dict[str, str]:
    env = database.eventsourcing_env(pool_size=CONCURRENCY)
    return {**env, "PERSISTENCE_MODULE": "eventsourcing.postgres", "CREATE_TABLE": "n"}


def seed_items(store: Store, owner: UUID) -> list[UUID]:
    bench = categories.CreateCategory(owner_id=owner, details=CategoryDetails(name="Bench"))
    category = categories.create_category(UnitOfWork(store), bench).aggregate
    ids = []
    for n in range(ITEMS):
        cmd = items.CreateItem(
            owner_id=owner,
            category_id=category.id,
            local_id=None,
            quantity=1000,
            details=ItemDetails(name=f"item {n}"),
        )
        ids.append(items.create_item(UnitOfWork(store), cmd).aggregate.id)
    return ids


def rate(command: Callable[[int], None], writers: int, n: int = COMMANDS) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(command, range(n)))
    return n / (time.perf_counter() - started)


def ours(store: Store, owner: UUID, ids: list[UUID]) -> Callable[[int], None]:
    def command(n: int) -> None:
        cmd = items.ChangeStock(owner_id=owner, item_id=ids[n % len(ids)], delta=1, reason="bench")
        items.change_stock(UnitOfWork(store), cmd)

    return command


def library(app: LibraryDefaults, ids: list[UUID]) -> Callable[[int], None]:
    def command(n: int) -> None:
        while True:  # the same optimistic retry as ours, without its cache or locks
            item: Item = app.repository.get(ids[n % len(ids)])
            item.adjust_stock(1, "bench", via=Via.API)
            try:
                app.save(item)
                return
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002))

    return command


async def raw_insert_limit(database: Database, n: int = COMMANDS) -> float:
    """What durable appends cost with nothing on top: one row, one commit, 8 connections."""
    async with asyncpg.create_pool(database.asyncpg_dsn, min_size=8, max_size=8) as pool:
        await pool.execute("CREATE TABLE IF NOT EXISTS bench_append (id bigserial, body bytea)")
        body = b"x" * 300  # about a stock event's size

        async def writer(count: int) -> None:
            async with pool.acquire() as conn:
                for _ in range(count):
                    await conn.execute("INSERT INTO bench_append (body) VALUES ($1)", body)

        started = time.perf_counter()
        await asyncio.gather(*(writer(n // 8) for _ in range(8)))
        elapsed = time.perf_counter() - started
        await pool.execute("DROP TABLE bench_append")
    return n / elapsed


def history_independence(
    store: Store, env: dict[str, str], owner: UUID, ids: list[UUID]
) -> tuple[float, float]:
    """Stock changes per second on an item with 10 events and one with 10,000, each from a
    store that has never seen it (a snapshot, then the newer events)."""
    long_lived: Item = store.repository.get(ids[-1])
    for chunk in range(LONG_HISTORY // 500):
        for _ in range(500):
            long_lived.adjust_stock(1 if chunk % 2 else -1, "history", via=Via.API)
        store.save(long_lived)
    short = ids[0]
    for _ in range(8):
        once_more = items.ChangeStock(owner_id=owner, item_id=short, delta=1)
        items.change_stock(UnitOfWork(store), once_more)
    figures = []
    for item_id in (short, ids[-1]):
        started = time.perf_counter()
        for _ in range(200):
            fresh = Store(env=env)  # a cold cache: each change loads the item
            once_more = items.ChangeStock(owner_id=owner, item_id=item_id, delta=1)
            items.change_stock(UnitOfWork(fresh), once_more)
            fresh.close()
        figures.append(200 / (time.perf_counter() - started))
    return figures[0], figures[1]


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
                for n in range(1000 // CONCURRENCY):
                    started = time.perf_counter()
                    response = await client.post(
                        "/api/v1/categories", json={"name": f"w{w}-{n}"}, headers=headers
                    )
                    samples.append(time.perf_counter() - started)
                    assert response.status_code == 201, response.text

            await asyncio.gather(*(worker(w) for w in range(CONCURRENCY)))
    return samples


async def run(database: Database, data_dir: Path) -> None:
    heading("commands (stock deltas on 200 items, in-process)")
    env = database.eventsourcing_env(pool_size=CONCURRENCY)
    store = Store(env=env)
    owner = uuid.uuid4()
    ids = seed_items(store, owner)
    defaults = LibraryDefaults(env=library_env(database))
    figures = {}
    for writers in (1, CONCURRENCY):
        figures["ours", writers] = rate(ours(store, owner, ids), writers)
        figures["library", writers] = rate(library(defaults, ids), writers)
        line(f"ours, {writers} writer(s)", f"{figures['ours', writers]:7.0f} cmd/s")
        line(f"library defaults, {writers} writer(s)", f"{figures['library', writers]:7.0f} cmd/s")
    defaults.close()
    limit = await raw_insert_limit(database)
    line("raw asyncpg INSERT, autocommit, 8 connections", f"{limit:7.0f} rows/s")
    best = figures["ours", CONCURRENCY]
    line("  ours / library defaults, 8 writers", f"{best / figures['library', CONCURRENCY]:6.1f}x")
    line("  ours / raw insert limit, 8 writers", f"{best / limit:6.0%}")
    short, long = history_independence(store, database.eventsourcing_env(pool_size=1), owner, ids)
    line("item with 10 events, cold load + change", f"{short:7.0f} cmd/s")
    line(f"item with {LONG_HISTORY:,} events, cold load + change", f"{long:7.0f} cmd/s")
    line(f"  time per change, {LONG_HISTORY:,} events vs 10 (<= 1.5)", f"{short / long:6.2f}x")
    store.close()

    waited = await http_latency(database, data_dir, wait_for_read_side=True)
    # Without the wait every command "times out" at once; its warning is expected here.
    logging.getLogger("infra.watermark").setLevel(logging.ERROR)
    baseline = await http_latency(database, data_dir, wait_for_read_side=False)
    latencies(f"POST /categories, {CONCURRENCY} clients, no read-side wait", baseline)
    latencies(f"POST /categories, {CONCURRENCY} clients, read-your-writes", waited)

"""Live lag: commands at a steady 500/s while a projection runner (its own process, as
deployed) follows the log; latency from each command's commit until the read tables
include it (the runner's NOTIFY of its new position)."""

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import asyncpg

from bench.report import heading, latencies, line
from command.accounts.services import AccountServices
from command.items import handlers as items
from command.unit_of_work import UnitOfWork
from events.store import Store
from infra.database import Database
from infra.settings import Settings
from infra.watermark import PROJECTED_CHANNEL
from vitaltrack.seed import seed_households

RATE = 500  # commands per second
SECONDS = 10
DRIVERS = 4


def drive(
    store: Store, owner: uuid.UUID, item_ids: list[uuid.UUID], commits: list[tuple[int, float]]
) -> None:
    """DRIVERS threads, each paced to RATE / DRIVERS commands per second."""
    interval = DRIVERS / RATE
    deadline = time.perf_counter() + SECONDS

    def worker(n: int) -> None:
        next_at = time.perf_counter() + n * interval / DRIVERS
        while (now := time.perf_counter()) < deadline:
            if now < next_at:
                time.sleep(next_at - now)
            item_id = item_ids[(n + len(commits)) % len(item_ids)]
            one_more = items.ChangeStock(owner_id=owner, item_id=item_id, delta=1, reason="bench")
            saved = items.change_stock(UnitOfWork(store), one_more)
            commits.append((saved.position, time.perf_counter()))
            next_at += interval

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(DRIVERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


async def run(database: Database, data_dir: Path) -> None:
    heading("live lag")
    store = Store(env=database.eventsourcing_env(pool_size=DRIVERS))
    settings = Settings(database_url=database.asyncpg_dsn, environment="testing", data_dir=data_dir)
    seed_households(store, AccountServices.from_settings(settings), "x", owners=1, events=500)
    conn = await asyncpg.connect(database.asyncpg_dsn)
    owner = await conn.fetchval("SELECT owner_id FROM live_categories LIMIT 1")
    item_ids = [
        r["item_id"]
        for r in await conn.fetch("SELECT item_id FROM item_memberships WHERE NOT deleted")
    ]
    env = {
        **os.environ,
        "DATABASE_URL": database.asyncpg_dsn,
        "VITALTRACK_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
    }
    runner = subprocess.Popen(
        [sys.executable, "-m", "vitaltrack.cli", "projections", "run"], env=env
    )
    arrivals: list[tuple[int, float]] = []
    await conn.add_listener(
        PROJECTED_CHANNEL, lambda *a: arrivals.append((int(a[3]), time.perf_counter()))
    )
    try:
        head = await conn.fetchval("SELECT max(notification_id) FROM vitaltrack_events")
        while (await conn.fetchval("SELECT min(position) FROM projection_tracking") or 0) < head:
            await asyncio.sleep(0.1)
        commits: list[tuple[int, float]] = []
        started = time.perf_counter()
        await asyncio.to_thread(drive, store, owner, item_ids, commits)
        elapsed = time.perf_counter() - started
        last = max(p for p, _ in commits)
        while not arrivals or arrivals[-1][0] < last:
            await asyncio.sleep(0.01)
    finally:
        runner.terminate()
        runner.wait()
        await conn.close()
        store.close()
    lags = []
    for position, committed in commits:
        seen = next(t for p, t in arrivals if p >= position)
        lags.append(max(seen - committed, 0.0))
    line("commands issued", f"{len(commits) / elapsed:7.0f} cmd/s")
    latencies("commit -> read tables include it (target p99 < 20 ms)", lags)

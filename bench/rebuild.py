"""Projection engine: rebuild of all projections over a seeded log (events/s, peak memory),
against the eventsourcing library's ProjectionRunner (one event per transaction) doing the
items projection alone on a smaller log in the same run."""

import os
import resource
import subprocess
import sys
import time
from functools import singledispatchmethod
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner

from bench.report import heading, line, target
from command.accounts.services import AccountServices
from events.item import Item
from events.store import Store
from infra.database import Database
from infra.settings import Settings
from vitaltrack.seed import SEED_PASSWORD, seed_households

EVENTS = int(os.environ.get("BENCH_REBUILD_EVENTS", "1000000"))
LIBRARY_EVENTS = int(os.environ.get("BENCH_LIBRARY_EVENTS", "10000"))


class LibraryItemsView(PostgresTrackingRecorder):
    """The library's way: one transaction per event, the view row and its tracking together."""

    def record(self, event: Any, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            if isinstance(event, Item.Created):
                curs.execute(
                    "INSERT INTO lib_items (id, name, quantity) VALUES (%s, %s, %s) "
                    "ON CONFLICT (id) DO UPDATE "
                    "SET name = EXCLUDED.name, quantity = EXCLUDED.quantity",
                    (event.originator_id, event.name, event.quantity),
                )
            elif isinstance(event, Item.StockAdjusted):
                curs.execute(
                    "UPDATE lib_items SET quantity = %s WHERE id = %s",
                    (event.quantity, event.originator_id),
                )
            self._insert_tracking(curs, tracking)


class LibraryItemsProjection(Projection[LibraryItemsView]):
    name = "libitems"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.record(domain_event, tracking)


def library_rate(database: Database) -> float:
    with psycopg.connect(database.asyncpg_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS lib_items (id uuid PRIMARY KEY, name text, quantity int)"
        )
    env = {
        **database.eventsourcing_env(pool_size=2),
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "CREATE_TABLE": "y",
    }
    started = time.perf_counter()
    with ProjectionRunner(
        application_class=Store,
        projection_class=LibraryItemsProjection,
        view_class=LibraryItemsView,
        env=env,
    ) as runner:
        runner.wait(LIBRARY_EVENTS, timeout=600)
    return LIBRARY_EVENTS / (time.perf_counter() - started)


def seeded(database: Database, data_dir: Path) -> int:
    settings = Settings(database_url=database.asyncpg_dsn, environment="testing", data_dir=data_dir)
    store = Store(env=database.eventsourcing_env(pool_size=2))
    try:
        started = time.perf_counter()
        accounts = AccountServices.from_settings(settings)
        password_hash = accounts.passwords.hash(SEED_PASSWORD)
        written = seed_households(
            store, accounts, password_hash, max(EVENTS // 5000, 1), EVENTS
        ).events
        seconds = time.perf_counter() - started
    finally:
        store.close()
    line(
        f"seed {written:,} events through the command handlers",
        f"{written / seconds:7,.0f} events/s",
    )
    return written


def rebuild_in_subprocess(database: Database, data_dir: Path) -> tuple[str, float]:
    env = {
        **os.environ,
        "DATABASE_URL": database.asyncpg_dsn,
        "VITALTRACK_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "-m", "vitaltrack.cli", "projections", "rebuild"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    peak_kib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return result.stdout.strip().splitlines()[-1], peak_kib / 1024


async def run(database: Database, data_dir: Path) -> None:
    heading("projection rebuild")
    seeded(database, data_dir)
    summary, peak_mb = rebuild_in_subprocess(database, data_dir)
    line("vitaltrack projections rebuild (all 6 projections)", summary)
    line("peak memory of a rebuild process (target < 300 MB)", f"{peak_mb:7.0f} MB")
    ours = float(summary.split("(")[-1].split()[0].replace(",", ""))
    baseline = library_rate(database)
    line(
        f"library ProjectionRunner, items only, first {LIBRARY_EVENTS:,} events",
        f"{baseline:7,.0f} events/s",
    )
    line("ratio (target >= 35x)", f"{ours / baseline:7.1f}x")
    target(
        f"rebuild >= 40,000 events/s ({EVENTS:,} events)", f"{ours:,.0f} events/s", ours >= 40_000
    )
    target("rebuild peak memory < 300 MB", f"{peak_mb:,.0f} MB", peak_mb < 300)
    target("rebuild >= 35x the library's runner", f"{ours / baseline:.1f}x", ours >= 35 * baseline)

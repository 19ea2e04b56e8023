"""Zero-downtime rebuild: replay the whole log into shadow tables while the API keeps serving
the live ones, catch up, then swap them in atomically.

The shadow tables live in schema `vt_rebuild` under the same names (same columns, constraints
and index names), and the rebuild's connection puts that schema first on its search_path, so
every projection writes there unchanged. The swap locks the live tables, applies the last
events in the same transaction, drops the live tables, moves the shadow ones into `public`
and advances the live tracking rows: readers wait a moment, never see an empty or half table.
One module over ~250 lines: build, catch-up and swap are one protocol sharing its locks.
"""

import asyncio
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import asyncpg

from events.store import EVENTS_TABLE
from projections.projection import Projection, StateTable
from projections.runner import ReadModelRunner

SHADOW = "vt_rebuild"
REBUILD_LOCK_KEY = 0x56_54_52_42  # "VTRB": one rebuild at a time
STATS_TABLE = "owner_stats"


class RebuildRunning(Exception):
    """Another rebuild holds the lock."""


@dataclass
class Rebuilt:
    names: list[str]
    events: int
    seconds: float
    differences: dict[str, int] = field(default_factory=dict)  # dry run: rows differing per table

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


Progress = Callable[[int, int], None]  # (events done, events in total)


def tables_of(projections: list[Projection]) -> list[str]:
    tables = [t for p in projections for t in p.tables]
    if any(isinstance(p, StateTable) and p.stats_columns for p in projections):
        tables.append(STATS_TABLE)
    return tables


async def rebuild(
    dsn: str,
    projections: list[Projection],
    others: list[Projection],
    *,
    batch_size: int = 5000,
    dry_run: bool = False,
    progress: Progress | None = None,
    workers: int = 1,
) -> Rebuilt:
    """Rebuild `projections`; `others` are the live projections left as they are."""
    started = time.perf_counter()
    tables = tables_of(projections)
    # A crash loses only the shadow copy, which the next rebuild recreates anyway.
    settings = {"search_path": f"{SHADOW}, public", "synchronous_commit": "off"}
    shadow = await asyncpg.connect(dsn, server_settings=settings)
    if not await shadow.fetchval("SELECT pg_try_advisory_lock($1)", REBUILD_LOCK_KEY):
        await shadow.close()  # before touching anything: the shadow tables are the other's
        raise RebuildRunning("another rebuild is running")
    try:
        since = await shadow.fetchval("SELECT now()")
        deferred = await _prepare(shadow, tables)
        runner = ReadModelRunner(dsn, projections, batch_size, announce=False)
        await runner.ensure_tracking(shadow)
        head = await shadow.fetchval(
            f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}"
        )
        groups = split_for_workers(projections, workers)
        if len(groups) > 1:
            done = await _replay_in_parallel(dsn, shadow, groups, batch_size, head, progress)
        else:
            done = 0
            while count := await runner.run_batch(shadow, until=head):
                done += count
                if progress:
                    progress(done, max(head, done))
        # What was written meanwhile, up to now: the frozen catch-up below stays short.
        now = await shadow.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}")
        while count := await runner.run_batch(shadow, until=now):
            done += count
        await _finish_tables(shadow, tables, deferred)
        async with shadow.transaction():
            await _freeze_live(shadow, projections, tables, readers_wait=not dry_run)
            # Up to the log's head now: writers go on, and the live runner takes over from
            # there after the swap (catching up with them here could take forever).
            frozen_at = await shadow.fetchval(
                f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}"
            )
            while count := await runner.run_batch(shadow, until=frozen_at):
                done += count
            if dry_run:
                differences = {t: await _difference(shadow, t) for t in tables}
                rebuilt = Rebuilt([p.name for p in projections], done, 0, differences)
            else:
                await _swap(shadow, others, tables)
                await _retried(shadow, projections, since)
                rebuilt = Rebuilt([p.name for p in projections], done, 0)
        rebuilt.seconds = time.perf_counter() - started
        return rebuilt
    finally:
        await shadow.execute(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE")
        await shadow.close()


def split_for_workers(projections: list[Projection], workers: int) -> list[list[Projection]]:
    """Balance projections over worker processes by replay cost. Projections that keep
    owner_stats counters stay together: concurrent upserts of the same rows could deadlock."""
    counting = [p for p in projections if isinstance(p, StateTable) and p.stats_columns]
    units = [[p] for p in projections if p not in counting] + ([counting] if counting else [])
    units.sort(key=lambda unit: -sum(p.replay_weight for p in unit))
    groups: list[list[Projection]] = [[] for _ in range(max(1, min(workers, len(units))))]
    for unit in units:
        min(groups, key=lambda g: sum(p.replay_weight for p in g)).extend(unit)
    return groups


def _replay_group(dsn: str, names: list[str], batch_size: int, head: int) -> int:
    """Worker process: replay the log up to `head` into the shadow tables of `names`."""
    from projections.catalog import all_projections

    async def replay() -> int:
        chosen = [p for p in all_projections() if p.name in names]
        settings = {"search_path": f"{SHADOW}, public", "synchronous_commit": "off"}
        conn = await asyncpg.connect(dsn, server_settings=settings)
        try:
            runner = ReadModelRunner(dsn, chosen, batch_size, announce=False)
            return await runner.catch_up(conn, until=head)
        finally:
            await conn.close()

    return asyncio.run(replay())


async def _replay_in_parallel(
    dsn: str,
    conn: asyncpg.Connection,
    groups: list[list[Projection]],
    batch_size: int,
    head: int,
    progress: Progress | None,
) -> int:
    """Each group in its own process (the replay is CPU-bound Python); progress is the
    slowest group's position in the log."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(groups), mp_context=context) as pool:
        loop = asyncio.get_running_loop()
        jobs = [
            loop.run_in_executor(pool, _replay_group, dsn, [p.name for p in g], batch_size, head)
            for g in groups
        ]
        pending = asyncio.gather(*jobs)
        while not pending.done():
            await asyncio.wait([pending], timeout=0.5)
            if progress:
                reached = await conn.fetchval(
                    "SELECT coalesce(min(position), 0) FROM projection_tracking"
                )
                progress(reached, max(head, reached))
        await pending
    return cast(
        int, await conn.fetchval("SELECT coalesce(min(position), 0) FROM projection_tracking")
    )


async def _prepare(conn: asyncpg.Connection, tables: list[str]) -> list[str]:
    """Empty copies of the live tables (and a tracking table) in the shadow schema.

    Bulk-load style: unlogged, with only the unique constraints the upserts need; the other
    indexes are returned, to be built once the replay is done.
    """
    await conn.execute(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE")
    await conn.execute(f"CREATE SCHEMA {SHADOW}")
    deferred = []
    for table in [*tables, "projection_tracking"]:
        await conn.execute(
            f"CREATE UNLOGGED TABLE {SHADOW}.{table} (LIKE public.{table} "
            "INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS)"
        )
        for name, definition in await conn.fetch(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = $1::regclass AND contype IN ('p', 'u')",
            f"public.{table}",
        ):
            await conn.execute(f"ALTER TABLE {SHADOW}.{table} ADD CONSTRAINT {name} {definition}")
        for (definition,) in await conn.fetch(
            "SELECT indexdef FROM pg_indexes i WHERE schemaname = 'public' AND tablename = $1 "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            table,
        ):
            deferred.append(definition.replace(f" ON public.{table} ", f" ON {SHADOW}.{table} "))
    return deferred


async def _finish_tables(conn: asyncpg.Connection, tables: list[str], indexes: list[str]) -> None:
    """Make the shadow tables durable and indexed like the live ones, before the swap."""
    for table in [*tables, "projection_tracking"]:
        await conn.execute(f"ALTER TABLE {SHADOW}.{table} SET LOGGED")
    for definition in indexes:
        await conn.execute(definition)


async def _freeze_live(
    conn: asyncpg.Connection, projections: list[Projection], tables: list[str], readers_wait: bool
) -> None:
    """Stop the live runner at a batch boundary (tracking rows first: no deadlock with it).
    The swap must keep readers out too; a dry run only compares, so readers go on."""
    await conn.execute(
        "SELECT 1 FROM public.projection_tracking WHERE name = ANY($1::text[]) FOR UPDATE",
        [p.name for p in projections],
    )
    mode = "ACCESS EXCLUSIVE" if readers_wait else "SHARE"
    await conn.execute(f"LOCK TABLE {', '.join(f'public.{t}' for t in tables)} IN {mode} MODE")


async def _difference(conn: asyncpg.Connection, table: str) -> int:
    # Rows compared as text: json columns have no equality operator.
    shadow, live = (
        f"SELECT t::text FROM {SHADOW}.{table} t",
        f"SELECT t::text FROM public.{table} t",
    )
    return cast(
        int,
        await conn.fetchval(
            f"SELECT (SELECT count(*) FROM ({shadow} EXCEPT ALL {live}) a) "
            f"+ (SELECT count(*) FROM ({live} EXCEPT ALL {shadow}) b)"
        ),
    )


async def _swap(conn: asyncpg.Connection, others: list[Projection], tables: list[str]) -> None:
    if STATS_TABLE in tables:
        await _keep_other_counters(conn, others)
    for table in tables:
        await conn.execute(f"DROP TABLE public.{table}")
        await conn.execute(f"ALTER TABLE {SHADOW}.{table} SET SCHEMA public")
    await conn.execute(
        "INSERT INTO public.projection_tracking (name, position, updated_at) "
        f"SELECT name, position, now() FROM {SHADOW}.projection_tracking "
        "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()"
    )


async def _retried(conn: asyncpg.Connection, projections: list[Projection], since: Any) -> None:
    """Events parked before the rebuild were replayed: those that failed again are parked
    anew (after `since`); the others are resolved."""
    await conn.execute(
        "UPDATE public.projection_quarantine SET resolution = 'rebuilt', resolved_at = now() "
        "WHERE projection = ANY($1::text[]) AND resolution IS NULL AND quarantined_at < $2",
        [p.name for p in projections],
        since,
    )


async def _keep_other_counters(conn: asyncpg.Connection, others: list[Projection]) -> None:
    """owner_stats columns of projections not rebuilt are carried over from the live table."""
    columns = [c for p in others if isinstance(p, StateTable) for c in p.stats_columns]
    if not columns:
        return
    await conn.execute(
        f"INSERT INTO {SHADOW}.{STATS_TABLE} (owner_id) SELECT owner_id FROM public.{STATS_TABLE} "
        "ON CONFLICT DO NOTHING"
    )
    assignments = ", ".join(f"{c} = l.{c}" for c in columns)
    await conn.execute(
        f"UPDATE {SHADOW}.{STATS_TABLE} s SET {assignments} FROM public.{STATS_TABLE} l "
        "WHERE s.owner_id = l.owner_id"
    )

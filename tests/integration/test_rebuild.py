"""Rebuild into shadow tables and swap: identical to a fresh replay, even under writes."""

import asyncio
import contextlib
import random
import uuid
from typing import Any

import asyncpg
from starlette.concurrency import run_in_threadpool

from command.accounts.services import AccountServices
from command.items import handlers as items
from command.unit_of_work import UnitOfWork
from events.store import Store
from infra.database import Database
from infra.settings import Settings
from projections.catalog import all_projections
from projections.projection import Envelope
from projections.rebuild import rebuild
from projections.replay import Households, replay_runner
from projections.runner import ReadModelRunner
from tests.integration.test_projections import read_tables, reset, write_history
from tests.waiting import until
from vitaltrack.seed import seed_households


async def fresh_replay(
    database: Database, conn: asyncpg.Connection
) -> dict[str, list[dict[str, Any]]]:
    await reset(conn)
    await ReadModelRunner(database.asyncpg_dsn, all_projections()).catch_up(conn)
    return await read_tables(conn)


async def test_rebuild_equals_the_live_tables_and_a_dry_run_finds_no_difference(
    database: Database, store: Store, pg_conn: asyncpg.Connection
) -> None:
    write_history(store, uuid.uuid4(), uuid.uuid4())
    await ReadModelRunner(database.asyncpg_dsn, all_projections()).catch_up(pg_conn)
    live = await read_tables(pg_conn)

    checked = await rebuild(database.asyncpg_dsn, all_projections(), [], dry_run=True)
    assert set(checked.differences.values()) == {0}
    seen: list[tuple[int, int]] = []
    result = await rebuild(
        database.asyncpg_dsn,
        all_projections(),
        [],
        batch_size=7,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert result.events == checked.events > 0
    assert seen[-1][0] == seen[-1][1] == result.events
    assert await read_tables(pg_conn) == live
    assert (
        await pg_conn.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname = 'vt_rebuild'")
        == 0
    )


async def test_rebuilding_one_projection_keeps_the_other_counters(
    database: Database, store: Store, pg_conn: asyncpg.Connection
) -> None:
    write_history(store, uuid.uuid4(), uuid.uuid4())
    await ReadModelRunner(database.asyncpg_dsn, all_projections()).catch_up(pg_conn)
    live = await read_tables(pg_conn)
    chosen = [p for p in all_projections() if p.name == "items"]
    others = [p for p in all_projections() if p.name != "items"]
    await rebuild(database.asyncpg_dsn, chosen, others)
    assert await read_tables(pg_conn) == live


async def test_a_rebuild_during_writes_ends_equal_to_a_fresh_replay(
    database: Database, store: Store, pg_conn: asyncpg.Connection
) -> None:
    owner = uuid.uuid4()
    write_history(store, owner, uuid.uuid4())
    item_id = await pg_conn.fetchval("SELECT id FROM items LIMIT 1") or None
    live_runner = asyncio.create_task(
        ReadModelRunner(database.asyncpg_dsn, all_projections()).run()
    )
    stop = asyncio.Event()
    written = 0

    async def keep_writing() -> None:
        nonlocal written
        target = item_id or (await pg_conn.fetchval("SELECT id FROM items LIMIT 1"))
        while not stop.is_set():
            cmd = items.ChangeStock(owner_id=owner, item_id=target, delta=1, reason="busy")
            await run_in_threadpool(items.change_stock, UnitOfWork(store), cmd)
            written += 1

    async def wrote(count: int) -> bool:
        return written >= count

    await until(lambda: projected_to_head(pg_conn), "the live runner projects the history")
    writer = asyncio.create_task(keep_writing())
    try:
        await until(lambda: wrote(3), "writes before the rebuild")
        result = await rebuild(database.asyncpg_dsn, all_projections(), [], batch_size=3)
        after_swap = written + 3
        await until(lambda: wrote(after_swap), "writes after the swap")
    finally:
        stop.set()
        await writer
        await until(lambda: projected_to_head(pg_conn), "the live runner catches up")
        live_runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await live_runner
    assert result.events > 0
    swapped = await read_tables(pg_conn)
    assert swapped == await fresh_replay(database, pg_conn)


async def projected_to_head(conn: asyncpg.Connection) -> bool:
    head = await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM vitaltrack_events")
    position = await conn.fetchval("SELECT coalesce(min(position), 0) FROM projection_tracking")
    return bool(position >= head)


async def test_a_parallel_rebuild_equals_the_live_tables(
    database: Database, store: Store, pg_conn: asyncpg.Connection
) -> None:
    """Two households (write_history writes a second one), one per worker."""
    write_history(store, uuid.uuid4(), uuid.uuid4())
    await ReadModelRunner(database.asyncpg_dsn, all_projections()).catch_up(pg_conn)
    live = await read_tables(pg_conn)
    result = await rebuild(database.asyncpg_dsn, all_projections(), [], batch_size=5, workers=2)
    assert result.events > 0
    assert await read_tables(pg_conn) == live


async def test_the_workers_share_the_households_and_decode_only_their_own(
    database: Database, store: Store, pg_conn: asyncpg.Connection
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    write_history(store, first, second)
    runner = replay_runner(database.asyncpg_dsn, all_projections(), 1000)
    rows = await runner.read(pg_conn, 0, None)
    decoded: list[list[int]] = [[], []]

    class Counting:
        def __init__(self, n: int):
            self.n = n

        def wants(self, row: Any) -> bool:
            return runner.decoder.wants(row)

        def decode(self, row: Any) -> Envelope:
            decoded[self.n].append(row["notification_id"])
            return runner.decoder.decode(row)

    picked = [Households(n, 2).select(rows, Counting(n)) for n in range(2)]

    owners = [{e.event.owner_id for e in batch} for batch in picked]
    assert owners == [{first}, {second}]  # in the order they first appear in the log
    assert sorted(e.position for batch in picked for e in batch) == [
        r["notification_id"] for r in rows if runner.decoder.wants(r)
    ]  # every event a projection reads replayed, by one worker
    firsts = {r["notification_id"] for r in rows if r["originator_version"] == 1}
    for n, batch in enumerate(picked):  # first events by all, the others by their owner's
        assert set(decoded[n]) == firsts | {e.position for e in batch}


async def test_rebuild_equals_live_after_a_randomized_workload(
    database: Database, store: Store, settings: Settings, pg_conn: asyncpg.Connection
) -> None:
    """Seeded through the command handlers, so the workload follows the real rules."""
    seed_value = random.randrange(1_000_000)
    accounts = AccountServices.from_settings(settings)
    seed_households(store, accounts, "not-a-hash", owners=3, events=1500, seed_value=seed_value)
    await ReadModelRunner(database.asyncpg_dsn, all_projections(), batch_size=97).catch_up(pg_conn)
    live = await read_tables(pg_conn)
    await rebuild(database.asyncpg_dsn, all_projections(), [], batch_size=500)
    assert await read_tables(pg_conn) == live, f"seed {seed_value}"
    await rebuild(database.asyncpg_dsn, all_projections(), [], batch_size=97, workers=2)
    assert await read_tables(pg_conn) == live, f"seed {seed_value}, two workers"

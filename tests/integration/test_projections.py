"""The runner against real Postgres: exactly-once, resumable, rebuildable, one leader."""

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from command.categories import handlers
from command.items import handlers as items
from command.orders import handlers as orders
from command.unit_of_work import UnitOfWork
from events.category import CategoryDetails, CategoryEdit
from events.item import ItemDetails, ItemEdit
from events.order import OrderStatus
from events.store import Store
from infra.database import Database
from projections.catalog import all_projections
from projections.projection import Envelope, Projection
from projections.runner import LEADER_LOCK_KEY, ReadModelRunner
from query.categories.queries import list_categories
from tests.waiting import until


def write_history(store: Store, owner: uuid.UUID, other_owner: uuid.UUID) -> None:
    """A small household history: creations, renames, a deletion, and another household."""
    ids = []
    for n in range(5):
        cmd = handlers.CreateCategory(
            owner_id=owner, details=CategoryDetails(name=f"Category {n}", display_order=n)
        )
        ids.append(handlers.create_category(UnitOfWork(store), cmd).aggregate.id)
    for n, category_id in enumerate(ids[:3]):
        revise = handlers.ReviseCategory(
            owner_id=owner,
            category_id=category_id,
            edit=CategoryEdit(name=f"Renamed {n}", description="note"),
        )
        handlers.revise_category(UnitOfWork(store), revise)
    gone = handlers.DeleteCategory(owner_id=owner, category_id=ids[4])
    handlers.delete_category(UnitOfWork(store), gone)
    not_yours = CategoryDetails(name="Not yours")
    handlers.create_category(
        UnitOfWork(store), handlers.CreateCategory(owner_id=other_owner, details=not_yours)
    )
    write_inventory(store, owner, ids[0], ids[1], ids[3])


def write_inventory(store: Store, owner: uuid.UUID, *category_ids: uuid.UUID) -> None:
    """Items with stock changes, a move, a cascade, and orders through their whole life."""
    uow = UnitOfWork(store)
    first, second, doomed = category_ids
    made = [
        items.create_item(
            uow,
            items.CreateItem(
                owner_id=owner,
                category_id=cat,
                local_id=None,
                quantity=2,
                details=ItemDetails(name=f"I{n}", unit="ml", minimum_stock=3, is_critical=True),
            ),
        ).aggregate
        for n, cat in enumerate([first, first, second, doomed])
    ]
    for delta in (5, -3, 1):
        change = items.ChangeStock(owner_id=owner, item_id=made[0].id, delta=delta, reason="count")
        items.change_stock(uow, change)
    revision = items.ReviseItem(
        owner_id=owner,
        item_id=made[1].id,
        category_id=second,
        quantity=0,
        edit=ItemEdit(brand="Acme"),
    )
    items.revise_item(uow, revision)
    handlers.delete_category(uow, handlers.DeleteCategory(owner_id=owner, category_id=doomed))
    lines = tuple(orders.LineRequest(item_id=str(i.id), quantity=4, overrides={}) for i in made[:3])
    placed = [
        orders.create_order(
            uow, orders.CreateOrder(owner_id=owner, lines=lines, notes="n")
        ).aggregate
        for _ in range(3)
    ]
    for status in (OrderStatus.ORDERED, OrderStatus.RECEIVED):
        orders.change_status(
            uow,
            orders.ChangeOrderStatus(owner_id=owner, order_ref=str(placed[0].id), status=status),
        )
    items.delete_item(uow, items.DeleteItem(owner_id=owner, item_id=made[2].id))
    orders.apply_order(uow, orders.ApplyOrder(owner_id=owner, order_ref=placed[0].order_number))
    orders.change_status(
        uow,
        orders.ChangeOrderStatus(
            owner_id=owner, order_ref=str(placed[1].id), status=OrderStatus.DECLINED
        ),
    )
    orders.delete_order(uow, orders.DeleteOrder(owner_id=owner, order_ref=str(placed[1].id)))


READ_TABLES = sorted({t for p in all_projections() for t in p.tables} | {"owner_stats"})


async def read_tables(conn: asyncpg.Connection) -> dict[str, list[dict[str, Any]]]:
    """Every read table, in a stable order."""
    contents: dict[str, list[dict[str, Any]]] = {}
    for table in READ_TABLES:
        rows = [dict(r) for r in await conn.fetch(f"SELECT * FROM {table}")]
        contents[table] = sorted(rows, key=repr)
    return contents


async def reset(conn: asyncpg.Connection) -> None:
    await conn.execute(f"TRUNCATE {', '.join(READ_TABLES)}")
    await conn.execute("UPDATE projection_tracking SET position = 0")


class CrashAfterApplying(Projection):
    """Wraps a projection and dies once, after writing, before the batch commits (as a lost
    connection does: a failure that says nothing about the events, so nothing is parked)."""

    def __init__(self, inner: Projection, crash_on_call: int):
        self.inner = inner
        self.name = inner.name  # type: ignore[misc]
        self.tables = inner.tables  # type: ignore[misc]
        self.calls = 0
        self.crash_on_call = crash_on_call

    @property
    def reads(self) -> frozenset[type]:
        return self.inner.reads

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        await self.inner.apply(conn, batch)
        self.calls += 1
        if self.calls == self.crash_on_call:
            raise ConnectionResetError("killed mid-batch")


async def test_query_sees_only_the_owners_live_categories(
    database: Database, store: Store, pg_conn: asyncpg.Connection, pg_pool: asyncpg.Pool
) -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    write_history(store, owner, other)
    await ReadModelRunner(database.asyncpg_dsn, all_projections()).catch_up(pg_conn)
    listed = await list_categories(pg_pool, owner)
    assert [c.name for c in listed.categories] == [
        "Renamed 0",
        "Renamed 1",
        "Renamed 2",
    ]  # "Category 3" went with its items; "Category 4" was deleted empty
    assert [c.version for c in listed.categories] == [2, 2, 2]
    assert listed.total == 3


async def test_rebuilding_from_the_log_gives_identical_rows(
    database: Database, store: Store, pg_conn: asyncpg.Connection
) -> None:
    write_history(store, uuid.uuid4(), uuid.uuid4())
    await ReadModelRunner(database.asyncpg_dsn, all_projections()).catch_up(pg_conn)
    live = await read_tables(pg_conn)
    await reset(pg_conn)
    replayed = await ReadModelRunner(
        database.asyncpg_dsn, all_projections(), batch_size=4
    ).catch_up(pg_conn)
    assert replayed > 0
    assert await read_tables(pg_conn) == live


@pytest.mark.parametrize("crash_on_call", [1, 2, 3])
async def test_a_runner_killed_mid_batch_resumes_without_loss_or_doubles(
    database: Database, store: Store, pg_conn: asyncpg.Connection, crash_on_call: int
) -> None:
    write_history(store, uuid.uuid4(), uuid.uuid4())
    await ReadModelRunner(database.asyncpg_dsn, all_projections()).catch_up(pg_conn)
    expected = await read_tables(pg_conn)
    await reset(pg_conn)

    projections = [
        CrashAfterApplying(p, crash_on_call) if p.name == "categories" else p
        for p in all_projections()
    ]
    crashing = ReadModelRunner(database.asyncpg_dsn, projections, batch_size=3)
    with pytest.raises(ConnectionResetError, match="killed mid-batch"):
        await crashing.catch_up(pg_conn)
    positions = await pg_conn.fetch("SELECT DISTINCT position FROM projection_tracking")
    assert len(positions) == 1  # the failed batch moved neither projection

    restarted = ReadModelRunner(database.asyncpg_dsn, all_projections(), batch_size=3)
    await restarted.catch_up(pg_conn)
    assert await read_tables(pg_conn) == expected


async def test_second_runner_stands_by_and_takes_over_when_the_leader_dies(
    database: Database, store: Store, pg_conn: asyncpg.Connection
) -> None:
    owner = uuid.uuid4()
    first = asyncio.create_task(ReadModelRunner(database.asyncpg_dsn, all_projections()).run())

    async def first_leads() -> bool:
        return len(await leader_pids(pg_conn)) == 1

    await until(first_leads, "the first runner takes the lead")
    second_runner = ReadModelRunner(database.asyncpg_dsn, all_projections())
    second = asyncio.create_task(second_runner.run())
    try:
        handlers.create_category(
            UnitOfWork(store),
            handlers.CreateCategory(owner_id=owner, details=CategoryDetails(name="A")),
        )
        await wait_until_projected(pg_conn, 2)
        (before,) = await leader_pids(pg_conn)  # one leader; the second waits
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        assert first.done()
        handlers.create_category(
            UnitOfWork(store),
            handlers.CreateCategory(owner_id=owner, details=CategoryDetails(name="B")),
        )
        await wait_until_projected(pg_conn, 4)
        assert await pg_conn.fetchval("SELECT count(*) FROM categories") == 2
        (after,) = await leader_pids(pg_conn)
        assert after != before  # the standby took the lead (the first one is gone)
    finally:
        second.cancel()
        await asyncio.gather(second, return_exceptions=True)


async def leader_pids(conn: asyncpg.Connection) -> list[int]:
    """Backends holding the runner's leadership lock."""
    rows = await conn.fetch(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid = 0 AND objid = $1",
        LEADER_LOCK_KEY,
    )
    return [r["pid"] for r in rows]


async def wait_until_projected(conn: asyncpg.Connection, position: int) -> None:
    async with asyncio.timeout(10):
        while (
            await conn.fetchval("SELECT min(position) FROM projection_tracking") or 0
        ) < position:
            await asyncio.sleep(0.05)

"""A projection that cannot apply an event parks it; the others (and it) keep going; health
and `projections status` say so; an operator skips it or rebuilds, without editing the log."""

import uuid
from collections.abc import Sequence

import asyncpg

from command.categories import handlers
from command.items import handlers as items
from command.unit_of_work import UnitOfWork
from events.category import CategoryDetails
from events.item import ItemDetails
from events.store import Store
from infra.database import Database
from projections.catalog import all_projections
from projections.projection import Envelope, Projection
from projections.rebuild import rebuild
from projections.runner import ReadModelRunner
from projections.status import projection_status
from tests.integration.commandline import vitaltrack as cli


class FailsOnPoison(Projection):
    """Wraps a projection that breaks on items named "Poison" (as a bug or a bad row would)."""

    def __init__(self, inner: Projection):
        self.inner = inner
        self.name = inner.name  # type: ignore[misc]
        self.tables = inner.tables  # type: ignore[misc]

    @property
    def reads(self) -> frozenset[type]:
        return self.inner.reads

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        if any(getattr(e.event, "name", None) == "Poison" for e in batch):
            await conn.execute("SELECT 1/0")  # fails inside the savepoint, like bad data
        await self.inner.apply(conn, batch)


def household(store: Store, owner: uuid.UUID) -> None:
    meds = handlers.CreateCategory(owner_id=owner, details=CategoryDetails(name="Meds"))
    category = handlers.create_category(UnitOfWork(store), meds).aggregate
    for name in ("Before", "Poison", "After"):
        cmd = items.CreateItem(
            owner_id=owner,
            category_id=category.id,
            local_id=None,
            quantity=1,
            details=ItemDetails(name=name, unit="ml"),
        )
        items.create_item(UnitOfWork(store), cmd)


async def test_a_poison_event_is_parked_and_nothing_else_stops(
    database: Database, store: Store, pg_conn: asyncpg.Connection
) -> None:
    owner = uuid.uuid4()
    household(store, owner)
    projections = [FailsOnPoison(p) if p.name == "items" else p for p in all_projections()]
    await ReadModelRunner(database.asyncpg_dsn, projections, batch_size=50).catch_up(pg_conn)

    names = {r["name"] for r in await pg_conn.fetch("SELECT name FROM items")}
    assert names == {"Before", "After"}  # the items projection went on past the poison
    activity = await pg_conn.fetchval(
        "SELECT count(*) FROM activity_log WHERE owner_id = $1", owner
    )
    assert activity == 4  # every other projection has every event
    (parked,) = await pg_conn.fetch("SELECT * FROM projection_quarantine")
    assert (parked["projection"], parked["topic"]) == ("items", "Item.Created")
    assert "DivisionByZero" in parked["error"]
    statuses = {s.name: s for s in await projection_status(pg_conn, [p.name for p in projections])}
    assert statuses["items"].quarantined == 1 and statuses["items"].failures == 1
    assert statuses["items"].problems and not statuses["categories"].problems

    status = cli(database, "projections", "status")
    assert status.returncode == 1 and "quarantined" in status.stderr
    listed = cli(database, "projections", "quarantine")
    assert str(parked["position"]) in listed.stdout and "Item.Created" in listed.stdout
    skipped = cli(
        database, "projections", "skip", str(parked["position"]), "--reason", "test poison"
    )
    assert skipped.returncode == 0, skipped.stderr
    assert cli(database, "projections", "status").returncode == 0
    resolution = await pg_conn.fetchval("SELECT resolution FROM projection_quarantine")
    assert resolution == "skipped: test poison"
    assert cli(database, "projections", "skip", "999999", "--reason", "x").returncode == 1


async def test_a_rebuild_retries_parked_events_in_order(
    database: Database, store: Store, pg_conn: asyncpg.Connection
) -> None:
    household(store, uuid.uuid4())
    projections = [FailsOnPoison(p) if p.name == "items" else p for p in all_projections()]
    await ReadModelRunner(database.asyncpg_dsn, projections).catch_up(pg_conn)
    assert await pg_conn.fetchval("SELECT count(*) FROM items") == 2

    # The cause is fixed (here: the unwrapped projection): a rebuild replays it in order.
    catalog = all_projections()
    items_only = [p for p in catalog if p.name == "items"]
    await rebuild(database.asyncpg_dsn, items_only, [p for p in catalog if p not in items_only])
    assert await pg_conn.fetchval("SELECT count(*) FROM items") == 3
    assert await pg_conn.fetchval("SELECT resolution FROM projection_quarantine") == "rebuilt"

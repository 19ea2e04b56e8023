"""The unit of work (command/unit_of_work.py): a command's rows commit with its events, the
caller's rider with the first commit that records events and only then, and a batch sees its
own unsaved commands."""

import uuid
from typing import Any

import psycopg
import pytest
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from command.categories import handlers as categories
from command.items import handlers as items
from command.unit_of_work import BatchedUnitOfWork, UnitOfWork
from events.category import CategoryDetails
from events.item import ItemDetails
from events.store import SideWrite, Store
from infra.database import Database


class Probe(Aggregate):
    def poke(self) -> None:
        self.trigger_event(self.Poked)

    class Poked(Aggregate.Event):
        pass


def row(key: str) -> SideWrite:
    return SideWrite(
        "INSERT INTO idempotency_keys (scope, key, fingerprint, status, body) "
        "VALUES ('uow-test', %s, '\\x00', 200, '{}')",
        (key,),
    )


class Rider:
    def __init__(self) -> None:
        self.calls = 0

    def writes(self, saved: tuple[Any, ...]) -> list[SideWrite]:
        self.calls += 1
        return [row(f"rider-{self.calls}-{type(saved[0]).__name__}")]

    def committed(self, saved: tuple[Any, ...]) -> None:
        self.calls = 100  # later commits ride again only if the rider asks


def keys(database: Database) -> list[str]:
    with psycopg.connect(database.asyncpg_dsn) as conn:
        rows = conn.execute(
            "SELECT key FROM idempotency_keys WHERE scope = 'uow-test' ORDER BY key"
        ).fetchall()
    return [r[0] for r in rows]


def test_rows_commit_with_events_and_the_rider_only_when_events_are_recorded(
    database: Database, store: Store
) -> None:
    rider = Rider()
    uow = UnitOfWork(store, rider=rider)
    assert uow.commit(writes=[row("alone")]) == 0  # no events: the rows, no rider
    assert keys(database) == ["alone"] and rider.calls == 0
    probe = Probe()
    position = uow.commit(probe, writes=[row("with-events")])
    assert position > 0 and uow.commit(probe) == 0  # nothing new: nothing recorded
    assert keys(database) == ["alone", "rider-1-Probe", "with-events"]
    assert store.repository.get(probe.id).version == 1


def test_a_refused_commit_writes_none_of_its_rows(database: Database, store: Store) -> None:
    probe = Probe()
    UnitOfWork(store).commit(probe)
    stale: Probe = store.repository.get(probe.id)
    probe.poke()
    UnitOfWork(store).commit(probe)
    stale.poke()  # version 2 again: the log refuses it
    try:
        UnitOfWork(store, rider=Rider()).commit(stale, writes=[row("refused")])
    except Exception:
        pass
    else:
        raise AssertionError("a stale save was recorded")
    assert keys(database) == []


def test_a_batch_sees_its_unsaved_commands_and_records_them_at_once(store: Store) -> None:
    owner = uuid.uuid4()
    batch = BatchedUnitOfWork(store)
    new_category = categories.CreateCategory(owner_id=owner, details=CategoryDetails(name="Meds"))
    category = categories.create_category(batch, new_category).aggregate
    new_item = items.CreateItem(
        owner_id=owner,
        category_id=category.id,
        local_id=None,
        quantity=1,
        details=ItemDetails(name="Saline", unit="ml"),
    )
    # The item's category check and the stock changes' loads see the unsaved commands.
    made = items.create_item(batch, new_item)
    for _ in range(3):
        more = items.ChangeStock(owner_id=owner, item_id=made.aggregate.id, delta=2)
        items.change_stock(batch, more)
    assert made.position == 0 and batch.unsaved() == 6  # category, its name, item, 3 changes
    with pytest.raises(AggregateNotFoundError):  # nothing recorded yet
        store.repository.get(made.aggregate.id)
    assert batch.flush() == 6 and batch.unsaved() == 0
    assert store.repository.get(made.aggregate.id).quantity == 7

"""Loading an item costs the same after 5,000 stock changes as after 10 (snapshots)."""

import uuid
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

from command.items import handlers
from command.unit_of_work import UnitOfWork
from events.attribution import Via
from events.item import Item
from events.store import SNAPSHOT_INTERVAL, Store


def stocked_item(store: Store, changes: int) -> Item:
    item = Item(
        owner_id=uuid.uuid4(),
        category_id=uuid.uuid4(),
        local_id=None,
        name="Gloves",
        description=None,
        quantity=0,
        unit="pieces",
        minimum_stock=0,
        expiry_date=None,
        brand=None,
        notes=None,
        supplier_name=None,
        supplier_contact=None,
        purchase_link=None,
        image_uri=None,
        is_active=True,
        is_critical=False,
        lead_time_days=None,
        via=Via.API,
    )
    for n in range(changes):
        item.adjust_stock(1, f"box {n}", via=Via.API)
        if item.version % 250 == 0:
            store.save(item)
    store.save(item)
    return item


def events_read_to_load(store: Store, item_id: uuid.UUID) -> int:
    """How many stored events a cold load of the item reads."""
    recorder = store.events.recorder
    original = recorder.select_events
    counted: list[int] = []

    def counting(*args: Any, **kwargs: Any) -> Sequence[StoredEvent]:
        rows = original(*args, **kwargs)
        counted.append(len(rows))
        return rows

    recorder.select_events = counting  # type: ignore[method-assign]
    try:
        store.repository.get(item_id)
    finally:
        recorder.select_events = original  # type: ignore[method-assign]
    return sum(counted)


def test_a_long_lived_item_loads_from_its_latest_snapshot(uncached_store: Store) -> None:
    item = stocked_item(uncached_store, 5000)
    assert events_read_to_load(uncached_store, item.id) < SNAPSHOT_INTERVAL

    cmd = handlers.ChangeStock(owner_id=item.owner_id, item_id=item.id, delta=1, reason="one more")
    saved = handlers.change_stock(UnitOfWork(uncached_store), cmd)
    assert (saved.aggregate.quantity, saved.aggregate.version) == (5001, 5002)

    fresh = stocked_item(uncached_store, 10)
    assert events_read_to_load(uncached_store, fresh.id) == 11

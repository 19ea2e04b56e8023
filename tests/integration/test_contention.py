"""Commutative commands under contention across processes: every stock delta counts and none
fails because others got there first (each Store stands for one API process; the
in-process per-item lock is bypassed, as it is between processes)."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from command.categories import handlers as categories
from command.items import handlers as items
from command.unit_of_work import UnitOfWork
from events.category import CategoryDetails
from events.item import Item, ItemDetails
from events.store import Store
from infra.database import Database

WRITERS, DELTAS = 8, 40


def test_parallel_deltas_from_several_processes_all_count(database: Database) -> None:
    stores = [Store(env=database.eventsourcing_env(pool_size=WRITERS)) for _ in range(2)]
    try:
        owner = uuid.uuid4()
        new_category = categories.CreateCategory(
            owner_id=owner, details=CategoryDetails(name="Meds")
        )
        meds = categories.create_category(UnitOfWork(stores[0]), new_category).aggregate
        new_item = items.CreateItem(
            owner_id=owner,
            category_id=meds.id,
            local_id=None,
            quantity=0,
            details=ItemDetails(name="Saline", unit="ml"),
        )
        saline = items.create_item(UnitOfWork(stores[0]), new_item).aggregate

        def writer(n: int) -> None:
            store = stores[n % 2]
            for _ in range(DELTAS):
                cmd = items.ChangeStock(owner_id=owner, item_id=saline.id, delta=1, reason="count")
                items._change_stock(UnitOfWork(store), cmd)

        with ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(writer, range(WRITERS)))
        final: Item = stores[1].repository.get(saline.id)
        assert (final.quantity, final.version) == (WRITERS * DELTAS, 1 + WRITERS * DELTAS)
    finally:
        for store in stores:
            store.close()

"""Command handlers whose rules need no SQL, on the event library's in-memory persistence
(no PostgreSQL): they load through a unit of work and decide; what they would commit is
gathered (BatchedUnitOfWork), as a sync push takes it."""

import uuid
from collections.abc import Iterator

import pytest

from command.categories import handlers as categories
from command.items import handlers as items
from command.orders import handlers as orders
from command.preconditions import VersionConflict
from command.unit_of_work import BatchedUnitOfWork
from events.category import CategoryDetails
from events.item import InsufficientStock, Item, ItemDetails, ItemNotFound
from events.order import AlreadyApplied, Order, OrderStatus
from events.store import Store
from tests.unit.internals import in_memory_store

HOME = uuid.uuid4()


@pytest.fixture
def store() -> Iterator[Store]:
    memory = in_memory_store()
    yield memory
    memory.close()


def saved(store: Store, uow: BatchedUnitOfWork) -> None:
    """Record what the handlers gathered (rows next to the log are not kept in memory)."""
    aggregates, _rows = uow.gathered()
    store.save(*aggregates)


def medication(store: Store) -> uuid.UUID:
    uow = BatchedUnitOfWork(store)
    cmd = categories.CreateCategory(owner_id=HOME, details=CategoryDetails(name="Medication"))
    made = categories.create_category(uow, cmd).aggregate
    saved(store, uow)
    return made.id


def saline(store: Store, quantity: int = 5) -> Item:
    uow = BatchedUnitOfWork(store)
    cmd = items.CreateItem(
        owner_id=HOME,
        category_id=medication(store),
        local_id=None,
        quantity=quantity,
        details=ItemDetails(name="Saline", unit="bottles", minimum_stock=2),
    )
    item = items.create_item(uow, cmd).aggregate
    saved(store, uow)
    return item


def test_an_item_names_a_category_of_the_household(store: Store) -> None:
    elsewhere = items.CreateItem(
        owner_id=HOME,
        category_id=uuid.uuid4(),
        local_id=None,
        quantity=1,
        details=ItemDetails(name="Saline", unit="bottles"),
    )
    with pytest.raises(items.CategoryMissing):
        items.create_item(BatchedUnitOfWork(store), elsewhere)


def test_stock_never_goes_below_zero_and_a_stale_version_changes_nothing(store: Store) -> None:
    item = saline(store, 5)
    used = items.ChangeStock(owner_id=HOME, item_id=item.id, delta=-6, reason="used")
    with pytest.raises(InsufficientStock):
        items.change_stock(BatchedUnitOfWork(store), used)
    stale = items.ChangeStock(owner_id=HOME, item_id=item.id, quantity=3, expected_version=9)
    with pytest.raises(VersionConflict):
        items.change_stock(BatchedUnitOfWork(store), stale)


def test_another_households_item_reads_as_unknown(store: Store) -> None:
    item = saline(store)
    theirs = items.ChangeStock(owner_id=uuid.uuid4(), item_id=item.id, delta=1)
    with pytest.raises(ItemNotFound):
        items.change_stock(BatchedUnitOfWork(store), theirs)


def test_an_order_is_numbered_per_day_and_applied_once(store: Store) -> None:
    item = saline(store, 1)
    uow = BatchedUnitOfWork(store)
    line = orders.LineRequest(item_id=str(item.id), quantity=4, overrides={})
    made = orders.create_order(uow, orders.CreateOrder(owner_id=HOME, lines=(line,))).aggregate
    assert made.order_number.endswith("-0001")
    saved(store, uow)
    received = BatchedUnitOfWork(store)
    orders.change_status(
        received,
        orders.ChangeOrderStatus(
            owner_id=HOME, order_ref=str(made.id), status=OrderStatus.RECEIVED
        ),
    )
    saved(store, received)
    applying = BatchedUnitOfWork(store)
    apply = orders.ApplyOrder(owner_id=HOME, order_ref=str(made.id))
    applied = orders.apply_order(applying, apply)
    gathered, _ = applying.gathered()
    stocked = next(a for a in gathered if isinstance(a, Item))
    assert (stocked.quantity, type(applied.aggregate)) == (5, Order)
    saved(store, applying)
    with pytest.raises(AlreadyApplied):
        orders.apply_order(BatchedUnitOfWork(store), apply)

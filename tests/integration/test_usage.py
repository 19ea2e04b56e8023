"""Usage learned from the log (API.md 13): a month of stock events written on a clock that is
moved day by day, projected, forecast; and a rebuild gives every figure back unchanged."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from command.categories import handlers as categories
from command.households.tables import household_written
from command.items import handlers as items
from command.orders import handlers as orders
from command.unit_of_work import UnitOfWork
from events.category import CategoryDetails
from events.clock import stamp_with
from events.household import Household, HouseholdSettings
from events.item import ItemDetails, ItemEdit
from events.order import OrderStatus
from events.store import Store
from infra.clock import FixedClock
from infra.database import Database
from projections.catalog import all_projections
from projections.rebuild import rebuild
from projections.runner import ReadModelRunner
from query.planning.queries import SUPPLY, forecast_of
from query.planning.rules import Forecast, Settings, Supply, plan
from tests.integration.test_projections import read_tables

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class History:
    """One household's history, written through the command handlers at the clock's time."""

    def __init__(self, store: Store, clock: FixedClock, zone: str = "UTC"):
        stamp_with(clock.now)
        self.store, self.clock, self.owner = store, clock, uuid.uuid4()
        home = Household(
            owner_id=self.owner,
            founder_id=self.owner,
            settings=HouseholdSettings("Home", zone),
        )
        UnitOfWork(store).commit(home, writes=household_written(home))
        care = categories.CreateCategory(owner_id=self.owner, details=CategoryDetails(name="Care"))
        made = categories.create_category(UnitOfWork(store), care)
        self.category = made.aggregate.id

    def item(self, name: str, quantity: int, **details: Any) -> uuid.UUID:
        cmd = items.CreateItem(
            owner_id=self.owner,
            category_id=self.category,
            local_id=None,
            quantity=quantity,
            details=ItemDetails(name=name, unit="ml", **details),
        )
        return items.create_item(UnitOfWork(self.store), cmd).aggregate.id

    def change(self, item_id: uuid.UUID, delta: int, reason: str | None = None) -> None:
        cmd = items.ChangeStock(owner_id=self.owner, item_id=item_id, delta=delta, reason=reason)
        items.change_stock(UnitOfWork(self.store), cmd)

    def set_to(self, item_id: uuid.UUID, quantity: int) -> None:
        """An absolute set, as a PUT with `quantity` makes it."""
        cmd = items.ReviseItem(owner_id=self.owner, item_id=item_id, quantity=quantity)
        items.revise_item(UnitOfWork(self.store), cmd)

    def receive(self, item_id: uuid.UUID, quantity: int) -> None:
        uow = UnitOfWork(self.store)
        line = orders.LineRequest(item_id=str(item_id), quantity=quantity, overrides={})
        new = orders.CreateOrder(owner_id=self.owner, lines=(line,))
        ref = str(orders.create_order(uow, new).aggregate.id)
        received = orders.ChangeOrderStatus(
            owner_id=self.owner, order_ref=ref, status=OrderStatus.RECEIVED
        )
        orders.change_status(uow, received)
        orders.apply_order(uow, orders.ApplyOrder(owner_id=self.owner, order_ref=ref))


async def project(database: Database, conn: asyncpg.Connection) -> None:
    await ReadModelRunner(database.asyncpg_dsn, all_projections()).catch_up(conn)


def figures(planned: list[Forecast]) -> list[tuple[Any, ...]]:
    return [
        (f.supply.name, f.usage, f.days_left, f.run_out_on, f.suggested_quantity, f.status)
        for f in planned
    ]


async def test_a_month_of_use_is_learned_and_a_rebuild_gives_the_same_figures(
    database: Database, store: Store, pg_conn: asyncpg.Connection, pg_pool: asyncpg.Pool
) -> None:
    clock = FixedClock(START)
    home = History(store, clock)
    saline = home.item("Saline", 100)
    gloves = home.item("Gloves", 200, lead_time_days=10)
    for day in range(40):
        clock.at = START + timedelta(days=day)
        home.change(saline, -2, "used")
        home.change(gloves, -1)
        if day % 10 == 0:
            home.receive(saline, 20)  # deliveries are not use
            home.change(gloves, -5, "Stocktake")  # neither are recounts...
            home.change(gloves, 3, "correction")  # ...nor corrections, up or down
            home.change(gloves, -3, "correction")
    await project(database, pg_conn)
    planned = await forecast_of(
        pool=pg_pool, household_id=home.owner, now=clock.at, within_days=365
    )
    by_name = {f.supply.name: f for f in planned}
    assert (by_name["Saline"].usage.used, by_name["Saline"].usage.window) == (56, 28)  # type: ignore[union-attr]
    assert (by_name["Gloves"].usage.used, by_name["Gloves"].usage.window) == (28, 28)  # type: ignore[union-attr]
    assert by_name["Saline"].usage.daily == 2.0  # type: ignore[union-attr]

    live = await read_tables(pg_conn)
    await rebuild(database.asyncpg_dsn, all_projections(), [], batch_size=50)
    assert await read_tables(pg_conn) == live
    again = await forecast_of(pool=pg_pool, household_id=home.owner, now=clock.at, within_days=365)
    assert figures(again) == figures(planned)


async def test_absolute_sets_count_by_their_difference(
    database: Database, store: Store, pg_conn: asyncpg.Connection, pg_pool: asyncpg.Pool
) -> None:
    clock = FixedClock(START)
    home = History(store, clock)
    oxygen = home.item("Oxygen", 30)
    home.set_to(oxygen, 23)  # 7 used
    home.set_to(oxygen, 40)  # restocked: not use
    home.change(oxygen, -7, "used")
    await project(database, pg_conn)
    (forecast,) = await forecast_of(pg_pool, home.owner, clock.at, 365)
    assert (forecast.usage.used, forecast.usage.window) == (14, 7)  # type: ignore[union-attr]
    assert forecast.days_left == 33 * 7 // 14


async def test_a_use_belongs_to_the_day_it_happened_in_the_households_time_zone(
    database: Database, store: Store, pg_conn: asyncpg.Connection
) -> None:
    clock = FixedClock(datetime(2026, 12, 7, 18, 29, tzinfo=UTC))  # 23:59 in Kolkata
    home = History(store, clock, "Asia/Kolkata")
    suction = home.item("Suction catheter", 100)
    home.change(suction, -1)
    clock.at = datetime(2026, 12, 7, 18, 31, tzinfo=UTC)  # 00:01 on the 8th there
    home.change(suction, -4)
    await project(database, pg_conn)
    row = await pg_conn.fetchrow("SELECT day, recent FROM usage_items WHERE item_id = $1", suction)
    assert row is not None
    assert (str(row["day"]), row["recent"][:3]) == ("2026-12-08", [4, 1, 0])


async def test_deleted_and_inactive_items_are_not_forecast(
    database: Database, store: Store, pg_conn: asyncpg.Connection, pg_pool: asyncpg.Pool
) -> None:
    clock = FixedClock(START)
    home = History(store, clock)
    kept, gone, paused = (home.item(n, 1) for n in ("Kept", "Gone", "Paused"))
    for item_id in (kept, gone, paused):
        home.change(item_id, -1, "used")
    items.delete_item(UnitOfWork(store), items.DeleteItem(owner_id=home.owner, item_id=gone))
    pause = items.ReviseItem(owner_id=home.owner, item_id=paused, edit=ItemEdit(is_active=False))
    items.revise_item(UnitOfWork(store), pause)
    other = History(store, clock)
    other.item("Not theirs", 0)
    await project(database, pg_conn)
    planned = await forecast_of(pg_pool, home.owner, clock.at, 14)
    assert [f.supply.name for f in planned] == ["Kept"]


async def test_the_read_lets_through_every_item_the_rules_would_list(
    database: Database, store: Store, pg_conn: asyncpg.Connection, pg_pool: asyncpg.Pool
) -> None:
    """The forecast's read leaves out items that cannot be listed (a bound in SQL): it must
    never leave out one the rules list, at any age of the item and any number of days."""
    rng, clock = random.Random(25), FixedClock(START)
    home, stock = History(store, clock), {}
    for day in range(36):
        clock.at = START + timedelta(days=day, hours=rng.randint(0, 23))
        quantity = rng.randint(0, 60)
        stock[home.item(f"Item {day}", quantity, minimum_stock=rng.randint(0, 8))] = quantity
        for item_id in rng.sample(list(stock), k=len(stock) // 2):
            if stock[item_id] >= (use := rng.randint(1, 4)):
                home.change(item_id, -use, "used")
                stock[item_id] -= use
    await project(database, pg_conn)
    everything = [Supply(*r) for r in await pg_conn.fetch(SUPPLY, home.owner)]
    for hours in (0, 5, 30, 24 * 9):
        now = clock.at + timedelta(hours=hours)
        for within in (0, 1, 2, 3, 7, 14, 30, 365):
            expected = plan(everything, now, now.date(), Settings(), within)
            read = await forecast_of(pg_pool, home.owner, now, within)
            assert [f.supply.id for f in read] == [f.supply.id for f in expected], (hours, within)

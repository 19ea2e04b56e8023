"""Demo data written by the command handlers: households with categories, items, years of
stock changes, orders through their whole life, and some deletions. Each command passes the
rules a request would; a household's commands share a BatchedUnitOfWork, recorded every
BATCH events, so 1M events take minutes. Every step chooses a command that succeeds (stock
never below zero), since a batch does not undo a failed one."""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from command.accounts.handlers import Register, register
from command.accounts.services import AccountServices
from command.categories import handlers as categories
from command.items import handlers as items
from command.orders import handlers as orders
from command.unit_of_work import BatchedUnitOfWork
from events.category import CategoryDetails
from events.item import Item, ItemDetails
from events.order import OrderStatus
from events.store import Store

SEED_PASSWORD = "Seeded-Passw0rd"
CATEGORIES = ("Medication", "Airway", "Feeding", "Wound care", "Hygiene")
SUPPLIES = ("Saline", "Gauze", "Syringe", "Catheter", "Gloves", "Tubing", "Filter", "Dressing")
BATCH = 400  # events per transaction, about
CHUNK = 20  # steps between counts of the pending events


class Household:
    def __init__(
        self,
        uow: BatchedUnitOfWork,
        accounts: AccountServices,
        rng: random.Random,
        n: int,
        password_hash: str,
    ):
        self.uow, self.rng = uow, rng
        self.email = f"family{n}-{uuid.uuid4().hex[:6]}@seed.vitaltrack.app"
        signup = Register(email=self.email, name=f"Family {n}", password_hash=password_hash)
        self.owner = register(uow, accounts, signup).user.id
        self.categories = [
            categories.create_category(
                uow,
                categories.CreateCategory(
                    owner_id=self.owner,
                    details=CategoryDetails(name=name, display_order=order),
                ),
            ).aggregate.id
            for order, name in enumerate(CATEGORIES)
        ]
        self.created = 20
        self.live = [self._new_item(i) for i in range(self.created)]
        self.saved = 0  # events stored, counted from the aggregates themselves

    def _new_item(self, n: int) -> uuid.UUID:
        details = ItemDetails(
            name=f"{self.rng.choice(SUPPLIES)} {n}",
            minimum_stock=self.rng.randint(0, 10),
            is_critical=self.rng.random() < 0.2,
        )
        category = self.rng.choice(self.categories)
        quantity = self.rng.randint(0, 50)
        cmd = items.CreateItem(
            owner_id=self.owner,
            category_id=category,
            local_id=f"seed-{n}",
            quantity=quantity,
            details=details,
        )
        return items.create_item(self.uow, cmd).aggregate.id

    def _item(self, item_id: uuid.UUID) -> Item:
        item: Item = self.uow.get(item_id)
        return item

    def step(self) -> None:
        roll, live = self.rng.random(), self.live
        if roll < 0.9 and live:
            item_id = self.rng.choice(live)
            delta = self.rng.choice((-3, -2, -1, 1, 2, 5, 10))
            if self._item(item_id).quantity + delta >= 0:
                reason = self.rng.choice((None, "used", "delivery", "count"))
                cmd = items.ChangeStock(
                    owner_id=self.owner, item_id=item_id, delta=delta, reason=reason
                )
                items.change_stock(self.uow, cmd)
        elif roll < 0.97 and live:
            self._order(live)
        elif live:
            doomed = self.rng.choice(live)
            items.delete_item(self.uow, items.DeleteItem(owner_id=self.owner, item_id=doomed))
            live.remove(doomed)
            live.append(self._new_item(self.created))
            self.created += 1

    def _order(self, live: list[uuid.UUID]) -> None:
        chosen = self.rng.sample(live, k=min(3, len(live)))
        lines = tuple(
            orders.LineRequest(item_id=str(item_id), quantity=5, overrides={}) for item_id in chosen
        )
        new = orders.CreateOrder(owner_id=self.owner, lines=lines)
        order = orders.create_order(self.uow, new).aggregate
        for status in (OrderStatus.ORDERED, OrderStatus.RECEIVED):
            cmd = orders.ChangeOrderStatus(
                owner_id=self.owner, order_ref=str(order.id), status=status
            )
            orders.change_status(self.uow, cmd)
        if self.rng.random() < 0.8:
            applying = orders.ApplyOrder(owner_id=self.owner, order_ref=order.order_number)
            orders.apply_order(self.uow, applying)

    def flush(self) -> None:
        self.saved += self.uow.flush()


@dataclass(frozen=True)
class Seeded:
    events: int  # exactly the events stored
    emails: list[str]  # the households' accounts, for `audit replay --owner`


def seed_households(
    store: Store,
    accounts: AccountServices,
    password_hash: str,
    owners: int,
    events: int,
    progress: Callable[[int, int], None] | None = None,
    seed_value: int = 7,
) -> Seeded:
    """Write about `events` events spread over `owners` households."""
    rng = random.Random(seed_value)
    per_owner = max(events // owners, 1)
    written, emails = 0, []
    for n in range(owners):
        home = Household(BatchedUnitOfWork(store), accounts, rng, n, password_hash)
        while home.saved + (unsaved := home.uow.unsaved()) < per_owner:
            if unsaved >= BATCH:
                home.flush()
                if progress:
                    progress(written + home.saved, owners * per_owner)
            for _ in range(CHUNK):
                home.step()
        home.flush()
        written += home.saved
        emails.append(home.email)
    if progress:
        progress(written, written)
    return Seeded(written, emails)

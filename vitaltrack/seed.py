"""Demo data written through the write model: households with categories, items, years of
stock changes, orders through their whole life, and some deletions. Fast enough for 1M events
in a few minutes: each household's aggregates stay in memory and are saved in batches."""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from command.accounts.tables import set_password_hash
from command.memberships import category_opens, item_joins, items_leave
from command.sync.local_ids import local_id_row
from events.category import Category
from events.index import Index, category_name_key, email_key, order_number_key
from events.item import DETAIL_FIELDS, Item
from events.order import AppliedLine, Order, OrderDay, OrderLine
from events.store import SideWrite, Store
from events.user import User

SEED_PASSWORD = "Seeded-Passw0rd"
CATEGORIES = ("Medication", "Airway", "Feeding", "Wound care", "Hygiene")
SUPPLIES = ("Saline", "Gauze", "Syringe", "Catheter", "Gloves", "Tubing", "Filter", "Dressing")
BATCH = 400  # events per save, about
CHUNK = 20  # steps between counts of the pending events


class Household:
    def __init__(self, store: Store, rng: random.Random, password_hash: str, n: int):
        self.store, self.rng = store, rng
        self.email = f"family{n}-{uuid.uuid4().hex[:6]}@seed.vitaltrack.app"
        self.user = User(
            email=self.email,
            username=None,
            name=f"Family {n}",
            phone=None,
        )
        self.pending: dict[uuid.UUID, Any] = {}
        self.day: OrderDay | None = None
        self.saved = 0  # events stored, counted from the aggregates themselves
        self._add(
            self.user,
            Index(owner_id=self.user.id, key=email_key(self.email), ref=self.user.id),
        )
        self.writes: list[SideWrite] = [set_password_hash(self.user.id, password_hash)]
        self.categories = [self._category(name) for name in CATEGORIES]
        self.items = [self._item(i) for i in range(20)]

    @property
    def owner(self) -> uuid.UUID:
        return self.user.id

    def _category(self, name: str) -> Category:
        category = Category(
            owner_id=self.owner,
            local_id=None,
            name=name,
            description=None,
            display_order=0,
            is_default=False,
        )
        index = Index(owner_id=self.owner, key=category_name_key(self.owner, name), ref=category.id)
        self._add(category, index)
        self.writes.append(category_opens(category.id, self.owner))
        return category

    def _item(self, n: int) -> Item:
        details: dict[str, Any] = dict.fromkeys(DETAIL_FIELDS)
        details.update(
            name=f"{self.rng.choice(SUPPLIES)} {n}",
            unit="pieces",
            minimum_stock=self.rng.randint(0, 10),
            is_active=True,
            is_critical=self.rng.random() < 0.2,
        )
        category = self.rng.choice(self.categories)
        item = Item(
            owner_id=self.owner,
            category_id=category.id,
            local_id=f"seed-{n}",
            quantity=self.rng.randint(0, 50),
            via="api",
            **details,
        )
        self._add(item)
        self.writes.append(item_joins(item.id, category.id))
        self.writes += local_id_row(self.owner, "item", item.local_id, item.id)
        return item

    def _add(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            self._touch(aggregate)

    def step(self) -> None:
        roll = self.rng.random()
        live = [i for i in self.items if not i.is_deleted]
        if roll < 0.9 and live:
            item = self.rng.choice(live)
            delta = self.rng.choice((-3, -2, -1, 1, 2, 5, 10))
            if item.quantity + delta >= 0:
                item.adjust_stock(
                    delta, self.rng.choice((None, "used", "delivery", "count")), via="api"
                )
                self._touch(item)
        elif roll < 0.97 and live:
            self._order(live)
        elif live:
            item = self.rng.choice(live)
            item.delete(via="api")
            self.writes.append(items_leave([item.id]))
            self._touch(item)
            self.items.append(self._item(len(self.items)))

    def _order(self, live: list[Item]) -> None:
        chosen = self.rng.sample(live, k=min(3, len(live)))
        if self.day is None:
            self.day = OrderDay(owner_id=self.owner, day=datetime.now(UTC).date())
        day = self.day
        number = day.issue_number()
        lines = tuple(
            OrderLine(
                uuid.uuid4(),
                i.id,
                i.name,
                None,
                i.unit,
                5,
                i.quantity,
                i.minimum_stock,
                None,
                None,
                None,
                None,
                False,
                None,
            )
            for i in chosen
        )
        order = Order(
            owner_id=self.owner,
            order_number=number,
            local_id=None,
            notes=None,
            lines=lines,
            via="api",
        )
        index = Index(owner_id=self.owner, key=order_number_key(self.owner, number), ref=order.id)
        self._add(order, index)
        self._touch(day)
        for status in ("ordered", "received"):
            order.change_status(status, None, via="api")
        if self.rng.random() < 0.8:
            for item in chosen:
                item.adjust_stock(5, f"order {number}", via="order_apply")
                self._touch(item)
            order.record_applied(tuple(AppliedLine(i.id, 5) for i in chosen), (), via="api")

    def _touch(self, aggregate: Any) -> None:
        self.pending[aggregate.id] = aggregate

    def unsaved(self) -> int:
        return sum(len(aggregate.pending_events) for aggregate in self.pending.values())

    def flush(self) -> None:
        if self.pending:
            count = self.unsaved()
            self.store.save(*self.pending.values(), side_writes=self.writes)
            self.saved += count
        self.pending, self.writes = {}, []


@dataclass(frozen=True)
class Seeded:
    events: int  # exactly the events stored
    emails: list[str]  # the households' accounts, for `audit replay --owner`


def seed_households(
    store: Store,
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
        home = Household(store, rng, password_hash, n)
        while home.saved + (unsaved := home.unsaved()) < per_owner:
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

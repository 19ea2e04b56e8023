"""Audit: an owner's history read straight from the event log, and the state of their
categories, items and orders at any moment, rebuilt by replaying events (never read tables)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEvent
from pydantic_core import to_jsonable_python

from command.categories.responses import category_out
from command.items.responses import item_out
from command.orders.responses import order_out
from command.uniqueness import holder
from command.unit_of_work import UnitOfWork
from events.attribution import Via
from events.category import Category
from events.conflict import SyncConflict
from events.device import Device
from events.index import email_key
from events.item import Item
from events.order import Order
from events.stocktake import Stocktake
from events.store import Store
from events.user import User

AUDITED: dict[type[Aggregate], str] = {
    Category: "category",
    Item: "item",
    Order: "order",
    User: "user",
    Device: "sync",
    SyncConflict: "conflict",
    Stocktake: "stocktake",
}
BOOKKEEPING = {"originator_id", "originator_version", "originator_topic", "timestamp", "owner_id"}
PAGE = 5000


@dataclass(frozen=True)
class Entry:
    position: int
    time: datetime
    kind: str
    entity_id: UUID
    action: str
    via: str
    change: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "time": self.time.isoformat(),
            "actor": {"via": self.via},
            "action": self.action,
            "entity": self.kind,
            "entityId": str(self.entity_id),
            # ids, amounts and moments as text, value objects (order lines) by their fields
            "change": to_jsonable_python(self.change),
        }


def owner_by_email(store: Store, email: str) -> UUID | None:
    return holder(UnitOfWork(store), email_key(email.strip().lower()))


def belongs_to(store: Store, owner_id: UUID, entity: UUID) -> bool:
    """Whether `entity` is one of the owner's (its first event says whose it is)."""
    first = next(iter(store.events.get(entity, limit=1)), None)
    return first is not None and getattr(first, "owner_id", None) == owner_id


def events_of(
    store: Store, owner_id: UUID, entity: UUID | None = None, until: datetime | None = None
) -> Iterator[tuple[int, Any]]:
    """The owner's events in log order, decoded from the log itself, page by page."""
    start = 1
    while notifications := store.recorder.select_notifications(start, PAGE):
        for notification in notifications:
            event = cast(DomainEvent, store.mapper.to_domain_event(notification))
            if getattr(event, "owner_id", None) != owner_id:
                continue
            if until is not None and event.timestamp > until:
                return
            if entity is None or event.originator_id == entity:
                yield notification.id, event
        start = notifications[-1].id + 1


def history(
    store: Store,
    owner_id: UUID,
    entity: UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Entry]:
    entries = []
    for position, event in events_of(store, owner_id, entity, until):
        owner_type = next((t for t in AUDITED if isinstance(event, t.Event)), None)
        if owner_type is None or (since is not None and event.timestamp < since):
            continue
        change = {k: v for k, v in vars(event).items() if k not in BOOKKEEPING | {"via"}}
        entries.append(
            Entry(
                position,
                event.timestamp,
                AUDITED[owner_type],
                event.originator_id,
                f"{AUDITED[owner_type]}.{type(event).__name__}",
                getattr(event, "via", Via.API),
                change,
            )
        )
    return entries


def state_as_of(
    store: Store, owner_id: UUID, moment: datetime, entity: UUID | None = None
) -> dict[str, list[Any]]:
    """Categories, items and orders (or only `entity`) as they stood at `moment`, folded
    from events."""
    aggregates: dict[UUID, Any] = {}
    for _, event in events_of(store, owner_id, entity, until=moment):
        if isinstance(event, (Category.Event, Item.Event, Order.Event)):
            aggregates[event.originator_id] = event.mutate(aggregates.get(event.originator_id))
    live = [a for a in aggregates.values() if not a.is_deleted]
    return {
        "categories": [category_out(a) for a in live if isinstance(a, Category)],
        "items": [item_out(a) for a in live if isinstance(a, Item)],
        "orders": [order_out(a) for a in live if isinstance(a, Order)],
    }

"""The Item aggregate: one supply in a household, and the only place stock changes. One
module over ~300 lines: its details (one typed value, and the edit of them), its events (with
the upcasts that let every stored version load) and every stock rule stay together."""

from dataclasses import dataclass, fields
from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.attribution import Attributed, Via

MAX_QUANTITY = 999_999


@dataclass(frozen=True, kw_only=True)
class ItemDetails:
    """What an item says about itself besides its category and stock: the one list of its
    details, for requests, commands, events, responses and the read table."""

    name: str
    description: str | None = None
    unit: str = "pieces"
    minimum_stock: int = 0
    expiry_date: date | None = None
    brand: str | None = None
    notes: str | None = None
    supplier_name: str | None = None
    supplier_contact: str | None = None
    purchase_link: str | None = None
    image_uri: str | None = None
    is_active: bool = True
    is_critical: bool = False
    lead_time_days: int | None = None  # days from ordering to delivery; None: the household's


DETAIL_FIELDS = tuple(f.name for f in fields(ItemDetails))


@dataclass(frozen=True, kw_only=True)
class ItemEdit:
    """An edit of an item's details: None leaves a detail as it is; `cleared` names the
    details set to null."""

    name: str | None = None
    description: str | None = None
    unit: str | None = None
    minimum_stock: int | None = None
    expiry_date: date | None = None
    brand: str | None = None
    notes: str | None = None
    supplier_name: str | None = None
    supplier_contact: str | None = None
    purchase_link: str | None = None
    image_uri: str | None = None
    is_active: bool | None = None
    is_critical: bool | None = None
    lead_time_days: int | None = None
    cleared: tuple[str, ...] = ()


class Item(Aggregate):
    """A supply item. Stock can never go below 0 (or above 999,999)."""

    class_version = 3  # snapshots: v2 keeps the name the item was created with; v3 lead time

    @staticmethod
    def upcast_v1_v2(state: dict[str, object]) -> None:
        """Snapshots taken before: the earliest name known is the one it has now."""
        state["first_name"] = state["name"]

    @staticmethod
    def upcast_v2_v3(state: dict[str, object]) -> None:
        """Items from before lead times follow their household's."""
        state["lead_time_days"] = None

    class Event(Attributed, Aggregate.Event):
        owner_id: UUID

    class Created(Event, Aggregate.Created):
        class_version = 2

        category_id: UUID
        local_id: str | None
        name: str
        description: str | None
        quantity: int
        unit: str
        minimum_stock: int
        expiry_date: date | None
        brand: str | None
        notes: str | None
        supplier_name: str | None
        supplier_contact: str | None
        purchase_link: str | None
        image_uri: str | None
        is_active: bool
        is_critical: bool
        lead_time_days: int | None
        via: Via

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["lead_time_days"] = None

    def __init__(
        self,
        owner_id: UUID,
        category_id: UUID,
        local_id: str | None,
        name: str,
        description: str | None,
        quantity: int,
        unit: str,
        minimum_stock: int,
        expiry_date: date | None,
        brand: str | None,
        notes: str | None,
        supplier_name: str | None,
        supplier_contact: str | None,
        purchase_link: str | None,
        image_uri: str | None,
        is_active: bool,
        is_critical: bool,
        lead_time_days: int | None,
        via: Via,  # noqa: ARG002 - recorded on the event, not needed in state
    ):
        self.owner_id = owner_id
        self.category_id = category_id
        self.local_id = local_id
        self.name = name
        self.first_name = name  # the app's seed rows are matched by it after a rename
        self.description = description
        self.quantity = quantity
        self.unit = unit
        self.minimum_stock = minimum_stock
        self.expiry_date = expiry_date
        self.brand = brand
        self.notes = notes
        self.supplier_name = supplier_name
        self.supplier_contact = supplier_contact
        self.purchase_link = purchase_link
        self.image_uri = image_uri
        self.is_active = is_active
        self.is_critical = is_critical
        self.lead_time_days = lead_time_days
        self.is_deleted = False

    @classmethod
    def add(
        cls,
        *,
        owner_id: UUID,
        category_id: UUID,
        local_id: str | None,
        quantity: int,
        details: ItemDetails,
        via: Via,
    ) -> "Item":
        """A new item (its Created event carries the details one by one)."""
        return cls(
            owner_id=owner_id,
            category_id=category_id,
            local_id=local_id,
            quantity=quantity,
            via=via,
            **vars(details),
        )

    @property
    def details(self) -> ItemDetails:
        return ItemDetails(**{f: getattr(self, f) for f in DETAIL_FIELDS})

    class Revised(Event):
        """One edit (one request, one version step, API.md 1.4): the details that changed
        (None: unchanged; `cleared` names details set to null), and the new category and
        the stock change if it made them (a PUT with `quantity` is a stock change too)."""

        class_version = 3

        name: str | None
        description: str | None
        unit: str | None
        minimum_stock: int | None
        expiry_date: date | None
        brand: str | None
        notes: str | None
        supplier_name: str | None
        supplier_contact: str | None
        purchase_link: str | None
        image_uri: str | None
        is_active: bool | None
        is_critical: bool | None
        lead_time_days: int | None
        cleared: tuple[str, ...]
        category_id: UUID | None
        delta: int | None
        quantity: int | None  # the resulting quantity, when delta is set
        via: Via

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """Version 1 changed details only (moves and stock were events of their own)."""
            state.update(category_id=None, delta=None, quantity=None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, object]) -> None:
            state["lead_time_days"] = None

        def apply(self, aggregate: "Item") -> None:
            for field in DETAIL_FIELDS:
                value = getattr(self, field)
                if value is not None:
                    setattr(aggregate, field, value)
            for field in self.cleared:
                setattr(aggregate, field, None)
            if self.category_id is not None:
                aggregate.category_id = self.category_id
            if self.quantity is not None:
                aggregate.quantity = self.quantity

    class Moved(Event):
        """Recorded by earlier versions; moves are part of Revised now (logs keep these)."""

        category_id: UUID
        via: Via

        def apply(self, aggregate: "Item") -> None:
            aggregate.category_id = self.category_id

    class StockAdjusted(Event):
        class_version = 2

        delta: int
        quantity: int  # the resulting quantity
        reason: str | None
        note: str | None  # a stock-take's note (API.md 13)
        via: Via

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["note"] = None

        def apply(self, aggregate: "Item") -> None:
            aggregate.quantity = self.quantity

    class Deleted(Event):
        via: Via

        def apply(self, aggregate: "Item") -> None:
            aggregate.is_deleted = True

    class Revived(Event):
        """A deleted item came back (an offline edit won over a delete it never saw).

        Carries the whole item, so read models can recreate it as it was.
        """

        class_version = 2

        category_id: UUID
        local_id: str | None
        name: str
        description: str | None
        quantity: int
        unit: str
        minimum_stock: int
        expiry_date: date | None
        brand: str | None
        notes: str | None
        supplier_name: str | None
        supplier_contact: str | None
        purchase_link: str | None
        image_uri: str | None
        is_active: bool
        is_critical: bool
        lead_time_days: int | None
        originally_created: datetime
        via: Via

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["lead_time_days"] = None

        def apply(self, aggregate: "Item") -> None:
            aggregate.is_deleted = False

    def revive(self, via: Via) -> None:
        if not self.is_deleted:
            return
        self.trigger_event(
            self.Revived,
            owner_id=self.owner_id,
            category_id=self.category_id,
            local_id=self.local_id,
            quantity=self.quantity,
            originally_created=self.created_on,
            via=via,
            **vars(self.details),
        )

    def revise(
        self, edit: ItemEdit, via: Via, category_id: UUID | None = None, delta: int = 0
    ) -> bool:
        """Record what differs, as one edit; False (nothing recorded) if nothing does."""
        self.check_exists()
        sent = {f: getattr(edit, f) for f in DETAIL_FIELDS}
        changed = {f: v for f, v in sent.items() if v is not None and getattr(self, f) != v}
        cleared = tuple(f for f in edit.cleared if getattr(self, f) is not None)
        moved = category_id if category_id not in (None, self.category_id) else None
        if delta:
            self.check_stock_stays_in_range(delta)
        if not (changed or cleared or moved or delta):
            return False
        self.trigger_event(
            self.Revised,
            owner_id=self.owner_id,
            cleared=cleared,
            category_id=moved,
            delta=delta or None,
            quantity=self.quantity + delta if delta else None,
            via=via,
            **{f: changed.get(f) for f in DETAIL_FIELDS},
        )
        return True

    def adjust_stock(
        self, delta: int, reason: str | None, via: Via, note: str | None = None
    ) -> None:
        self.check_exists()
        self.check_stock_stays_in_range(delta)
        if delta:
            self.trigger_event(
                self.StockAdjusted,
                owner_id=self.owner_id,
                delta=delta,
                quantity=self.quantity + delta,
                reason=reason,
                note=note,
                via=via,
            )

    def set_stock(
        self, quantity: int, reason: str | None, via: Via, note: str | None = None
    ) -> None:
        self.adjust_stock(quantity - self.quantity, reason, via, note)

    def delete(self, via: Via) -> None:
        self.check_exists()
        self.trigger_event(self.Deleted, owner_id=self.owner_id, via=via)

    def check_exists(self) -> None:
        if self.is_deleted:
            raise ItemNotFound(self.id)

    def check_owned_by(self, owner_id: UUID) -> None:
        if self.owner_id != owner_id or self.is_deleted:
            raise ItemNotFound(self.id)

    def check_stock_stays_in_range(self, delta: int) -> None:
        if self.quantity + delta < 0:
            raise InsufficientStock(self)
        if self.quantity + delta > MAX_QUANTITY:
            raise StockLimitExceeded(self)


class ItemNotFound(Exception):
    """No such item for this owner."""


class InsufficientStock(Exception):
    """The change would take the quantity below zero; carries the item as it is."""

    def __init__(self, item: Item):
        super().__init__(f"only {item.quantity} in stock")
        self.current = item


class StockLimitExceeded(Exception):
    """The change would take the quantity above 999,999."""

    def __init__(self, item: Item):
        super().__init__("quantity would exceed 999999")
        self.current = item

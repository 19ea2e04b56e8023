"""The Order aggregate: a purchase order whose received goods are applied to stock exactly once."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from events.attribution import Attributed, Via
from events.clock import Stamped


class OrderStatus(StrEnum):
    """Stored, and sent, as its string (JSON holds a StrEnum as a str), so an event read back
    holds that string, which equals the member. Declared in the order an order moves."""

    PENDING = "pending"
    ORDERED = "ordered"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    STOCK_UPDATED = "stock_updated"
    DECLINED = "declined"


# stock_updated is reachable only through apply. pending -> received is the app's only
# action on a pending order ("Have you received the order?", API.md 6.2 rev. 2).
TRANSITIONS: dict[OrderStatus, set[OrderStatus]] = {
    OrderStatus.PENDING: {OrderStatus.ORDERED, OrderStatus.RECEIVED, OrderStatus.DECLINED},
    OrderStatus.ORDERED: {
        OrderStatus.PARTIALLY_RECEIVED,
        OrderStatus.RECEIVED,
        OrderStatus.DECLINED,
    },
    OrderStatus.PARTIALLY_RECEIVED: {OrderStatus.RECEIVED},
    OrderStatus.RECEIVED: set(),
    OrderStatus.STOCK_UPDATED: set(),
    OrderStatus.DECLINED: set(),
}
TIMESTAMPED = {
    OrderStatus.ORDERED: "ordered_at",
    OrderStatus.RECEIVED: "received_at",
    OrderStatus.DECLINED: "declined_at",
}
OPEN_STATUSES = (
    OrderStatus.PENDING,
    OrderStatus.ORDERED,
    OrderStatus.PARTIALLY_RECEIVED,
    OrderStatus.RECEIVED,
)


@dataclass(frozen=True)
class OrderLine:
    """A snapshot of an item at ordering time, and how many were ordered."""

    id: UUID
    item_id: UUID
    name: str
    brand: str | None
    unit: str
    quantity: int
    current_stock: int
    minimum_stock: int
    category_name: str | None
    supplier_name: str | None
    purchase_link: str | None
    image_uri: str | None
    is_essential: bool
    notes: str | None


@dataclass(frozen=True)
class AppliedLine:
    item_id: UUID
    quantity: int


class Order(Aggregate):
    class Event(Attributed, Aggregate.Event):
        owner_id: UUID

    class Created(Event, Aggregate.Created):
        order_number: str
        local_id: str | None
        notes: str | None
        lines: tuple[OrderLine, ...]
        via: Via

    def __init__(
        self,
        owner_id: UUID,
        order_number: str,
        local_id: str | None,
        notes: str | None,
        lines: tuple[OrderLine, ...],
        via: Via,  # noqa: ARG002 - recorded on the event, not needed in state
    ):
        self.owner_id = owner_id
        self.order_number = order_number
        self.local_id = local_id
        self.notes = notes
        self.lines = tuple(lines)
        self.status = OrderStatus.PENDING
        self.ordered_at: datetime | None = None
        self.received_at: datetime | None = None
        self.applied_at: datetime | None = None
        self.declined_at: datetime | None = None
        self.is_deleted = False

    class StatusChanged(Event):
        status: OrderStatus
        notes: str | None
        via: Via

        def apply(self, aggregate: "Order") -> None:
            aggregate.status = self.status
            if self.notes is not None:
                aggregate.notes = self.notes
            if self.status in TIMESTAMPED:
                setattr(aggregate, TIMESTAMPED[self.status], self.timestamp)

    class Applied(Event):
        """Received goods went into stock; lines whose item was gone are listed as skipped."""

        applied: tuple[AppliedLine, ...]
        skipped_item_ids: tuple[UUID, ...]
        via: Via

        def apply(self, aggregate: "Order") -> None:
            aggregate.status = OrderStatus.STOCK_UPDATED
            aggregate.applied_at = self.timestamp

    class Deleted(Event):
        via: Via

        def apply(self, aggregate: "Order") -> None:
            aggregate.is_deleted = True

    def change_status(self, status: OrderStatus, notes: str | None, via: Via) -> bool:
        """Move along the status table; the current status again is a no-op (False)."""
        self.check_exists()
        if status == self.status and notes in (None, self.notes):
            return False
        if status != self.status and status not in TRANSITIONS[self.status]:
            raise InvalidTransition(self.status, status)
        self.trigger_event(
            self.StatusChanged, owner_id=self.owner_id, status=status, notes=notes, via=via
        )
        return True

    def record_applied(
        self, applied: tuple[AppliedLine, ...], skipped: tuple[UUID, ...], via: Via
    ) -> None:
        """`via` "device": applied on a phone, whose item quantities carry the stock."""
        self.check_can_apply()
        self.trigger_event(
            self.Applied,
            owner_id=self.owner_id,
            applied=applied,
            skipped_item_ids=skipped,
            via=via,
        )

    def delete(self, via: Via) -> None:
        self.check_exists()
        if self.status not in (OrderStatus.PENDING, OrderStatus.DECLINED):
            raise InvalidTransition(self.status, "deleted")
        self.trigger_event(self.Deleted, owner_id=self.owner_id, via=via)

    def check_can_apply(self) -> None:
        self.check_exists()
        if self.status == OrderStatus.STOCK_UPDATED:
            raise AlreadyApplied(self)
        if self.status != OrderStatus.RECEIVED:
            raise InvalidTransition(self.status, OrderStatus.STOCK_UPDATED)

    def check_exists(self) -> None:
        if self.is_deleted:
            raise OrderNotFound(self.id)

    def check_owned_by(self, owner_id: UUID) -> None:
        if self.owner_id != owner_id or self.is_deleted:
            raise OrderNotFound(self.id)


class OrderDay(Aggregate):
    """Numbers one owner's orders of one UTC day: ORD-YYYYMMDD-0001, -0002, ..."""

    class Created(Attributed, Aggregate.Created):
        owner_id: UUID
        day: date

    def __init__(self, owner_id: UUID, day: date):
        self.owner_id = owner_id
        self.day = day
        self.last = 0

    @staticmethod
    def create_id(owner_id: UUID, day: date) -> UUID:
        return uuid5(NAMESPACE_URL, f"/vitaltrack/owners/{owner_id}/order-days/{day.isoformat()}")

    class NumberIssued(Stamped, Aggregate.Event):
        owner_id: UUID
        number: int

        def apply(self, aggregate: "OrderDay") -> None:
            aggregate.last = self.number

    def issue_number(self) -> str:
        """The next order id of the day; saved with the order, so a race retries."""
        self.trigger_event(self.NumberIssued, owner_id=self.owner_id, number=self.last + 1)
        return f"ORD-{self.day:%Y%m%d}-{self.last:04d}"


class OrderNotFound(Exception):
    """No such order for this owner."""


class InvalidTransition(Exception):
    """The order cannot move from its status to the requested one."""

    def __init__(self, current: str, requested: str):
        super().__init__(f"Cannot change order status from '{current}' to '{requested}'")
        self.current_status = current
        self.requested = requested


class AlreadyApplied(Exception):
    """The order's goods were already added to stock."""

    def __init__(self, order: Order):
        super().__init__("Order has already been applied to stock")
        self.current = order

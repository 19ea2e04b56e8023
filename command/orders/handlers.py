"""Order commands: create (numbered per owner and day), change status, apply to stock, delete."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from command.items.handlers import load_item
from command.loading import load_owned
from command.local_ids import local_id_row
from command.orders.requests import OrderCreate, OrderItemIn, StatusChange
from command.preconditions import check_version
from command.results import Saved
from command.retry import retry_on_conflict
from command.uniqueness import holder
from command.unit_of_work import UnitOfWork
from events import clock
from events.attribution import Via
from events.category import Category
from events.index import Index, order_number_key
from events.item import Item, ItemNotFound
from events.order import AppliedLine, Order, OrderDay, OrderLine, OrderNotFound, OrderStatus
from wire.ids import parse_uuid


@dataclass(frozen=True, kw_only=True)
class LineRequest:
    item_id: str
    quantity: int
    overrides: dict[str, Any]  # line fields the client gave; the rest come from the item

    @classmethod
    def from_request(cls, line: OrderItemIn, item_ref: str) -> "LineRequest":
        """`item_ref`: the line's item as the server knows it."""
        given = line.model_dump(exclude={"item_id", "quantity"}, exclude_unset=True)
        return cls(item_id=item_ref, quantity=line.quantity, overrides=given)


@dataclass(frozen=True, kw_only=True)
class CreateOrder:
    owner_id: UUID
    lines: tuple[LineRequest, ...]
    notes: str | None = None
    local_id: str | None = None

    @classmethod
    def from_request(cls, body: OrderCreate, owner_id: UUID) -> "CreateOrder":
        lines = tuple(LineRequest.from_request(line, line.item_id) for line in body.items)
        return cls(owner_id=owner_id, lines=lines, notes=body.notes, local_id=body.local_id)


@dataclass(frozen=True, kw_only=True)
class ChangeOrderStatus:
    owner_id: UUID
    order_ref: str  # uuid or human order id
    status: OrderStatus
    notes: str | None = None
    expected_version: int | None = None

    @classmethod
    def from_request(
        cls, body: StatusChange, owner_id: UUID, order_ref: str, expected_version: int | None
    ) -> "ChangeOrderStatus":
        return cls(
            owner_id=owner_id,
            order_ref=order_ref,
            status=OrderStatus(body.status),
            notes=body.notes,
            expected_version=expected_version,
        )


@dataclass(frozen=True, kw_only=True)
class ApplyOrder:
    owner_id: UUID
    order_ref: str


@dataclass(frozen=True, kw_only=True)
class DeleteOrder:
    owner_id: UUID
    order_ref: str
    expected_version: int | None = None


class OrderedItemMissing(Exception):
    """An order line names an item the caller does not have."""


@retry_on_conflict
def create_order(uow: UnitOfWork, cmd: CreateOrder) -> Saved[Order]:
    lines = []
    for request in cmd.lines:
        line = snapshot_line(uow, cmd.owner_id, request)
        if line is None:
            raise OrderedItemMissing(request.item_id)
        lines.append(line)
    order, day, name = new_order(
        uow, cmd.owner_id, tuple(lines), notes=cmd.notes, local_id=cmd.local_id, via=Via.API
    )
    writes = local_id_row(cmd.owner_id, "order", cmd.local_id, order.id)
    return Saved(order, uow.commit(order, day, name, writes=writes))


def new_order(
    uow: UnitOfWork,
    owner_id: UUID,
    lines: tuple[OrderLine, ...],
    *,
    notes: str | None = None,
    local_id: str | None = None,
    via: Via,
) -> tuple[Order, OrderDay, Index]:
    """An order numbered for today, with the day's counter and the number's index to save."""
    day = _order_day(uow, owner_id)
    number = day.issue_number()
    order = Order(
        owner_id=owner_id,
        order_number=number,
        local_id=local_id,
        notes=notes,
        lines=lines,
        via=via,
    )
    return (
        order,
        day,
        Index(owner_id=owner_id, key=order_number_key(owner_id, number), ref=order.id),
    )


@retry_on_conflict
def change_status(uow: UnitOfWork, cmd: ChangeOrderStatus) -> Saved[Order]:
    order = load_order(uow, cmd.owner_id, cmd.order_ref)
    check_version(order, cmd.expected_version)
    order.change_status(cmd.status, cmd.notes, via=Via.API)
    return Saved(order, uow.commit(order))


@retry_on_conflict
def apply_order(uow: UnitOfWork, cmd: ApplyOrder) -> Saved[Order]:
    """Add every line to its item's stock and close the order, all in ONE save."""
    order = load_order(uow, cmd.owner_id, cmd.order_ref)
    order.check_can_apply()
    items: dict[UUID, Item] = {}
    applied, skipped = [], []
    for line in order.lines:
        item = items.get(line.item_id) or live_item(uow, cmd.owner_id, line.item_id)
        if item is None:
            skipped.append(line.item_id)
            continue
        items[item.id] = item
        item.adjust_stock(line.quantity, f"order {order.order_number}", via=Via.ORDER_APPLY)
        applied.append(AppliedLine(item.id, line.quantity))
    order.record_applied(tuple(applied), tuple(dict.fromkeys(skipped)), via=Via.API)
    return Saved(order, uow.commit(order, *items.values()))


@retry_on_conflict
def delete_order(uow: UnitOfWork, cmd: DeleteOrder) -> Saved[Order]:
    order = load_order(uow, cmd.owner_id, cmd.order_ref)
    check_version(order, cmd.expected_version)
    order.delete(via=Via.API)
    return Saved(order, uow.commit(order))


def load_order(uow: UnitOfWork, owner_id: UUID, order_ref: str) -> Order:
    order_id = parse_uuid(order_ref) or holder(uow, order_number_key(owner_id, order_ref))
    if order_id is None:
        raise OrderNotFound(order_ref)
    return load_owned(uow, Order, order_id, owner_id, OrderNotFound)


def snapshot_line(uow: UnitOfWork, owner_id: UUID, line: LineRequest) -> OrderLine | None:
    """The line as a snapshot of its item; None if the caller has no such item."""
    item_id = parse_uuid(line.item_id)
    item = live_item(uow, owner_id, item_id) if item_id else None
    if item is None:
        return None
    given = {k: v for k, v in line.overrides.items() if v is not None}
    defaults: dict[str, Any] = {
        "name": item.name,
        "brand": item.brand,
        "unit": item.unit,
        "current_stock": item.quantity,
        "minimum_stock": item.minimum_stock,
        "category_name": _category_name(uow, item.category_id),
        "supplier_name": item.supplier_name,
        "purchase_link": item.purchase_link,
        "image_uri": item.image_uri,
        "is_essential": False,
        "notes": None,
    }
    return OrderLine(id=uuid4(), item_id=item.id, quantity=line.quantity, **{**defaults, **given})


def live_item(uow: UnitOfWork, owner_id: UUID, item_id: UUID) -> Item | None:
    try:
        return load_item(uow, owner_id, item_id)
    except ItemNotFound:
        return None


def _category_name(uow: UnitOfWork, category_id: UUID) -> str | None:
    try:
        category: object = uow.get(category_id)
    except AggregateNotFoundError:
        return None
    return category.name if isinstance(category, Category) else None


def _order_day(uow: UnitOfWork, owner_id: UUID) -> OrderDay:
    today = clock.now().date()  # the UTC day (API.md 6.1), by the events' clock
    try:
        day: OrderDay = uow.get(OrderDay.create_id(owner_id, today))
    except AggregateNotFoundError:
        return OrderDay(owner_id=owner_id, day=today)
    return day

"""An order in a whole-state push (API.md 8.5 e).

The app numbers, receives and applies orders on the phone: applying adds the order's lines to
its local item quantities (the first line per item, useAppStore.ts:589-611) and sets
`stock_updated`. So the device's item quantities already carry that stock: the server moves
the order along the status table as far as the pushed status and marks it applied *without*
adding stock, unless someone applied it on the server first (over REST, or another device):
then the device's item deltas are reduced by those lines (`Credits`), so stock counts once.
Lines whose item is gone stay as snapshot lines, with no stock effect. One module over ~250
lines: status moves, applies and credits are one rule, that stock counts once.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from pydantic import Field

from command.local_ids import local_id_row
from command.orders import handlers as orders
from command.orders.requests import OrderItemIn
from command.sync.context import Context, Operation
from command.sync.decision import Decision, Held
from command.sync.receipts import Base, Shown
from command.sync.session import Session, load
from command.sync.whole_state.settle import Caller, settle
from events.attribution import Via
from events.conflict import DELETED, STATUS_BLOCKED
from events.item import Item
from events.order import TRANSITIONS, Order, OrderLine, OrderNotFound, OrderStatus
from wire.base import WireModel
from wire.ids import parse_uuid

# How far along an order is.
RANK: dict[OrderStatus, int] = {
    s: n for n, s in enumerate(OrderStatus) if s != OrderStatus.DECLINED
}


class DeviceOrder(WireModel):
    """What the app sends of an order: its status and lines (totals and numbers are its own)."""

    status: OrderStatus = OrderStatus.PENDING
    items: list[OrderItemIn] = Field(default_factory=list)
    ordered_at: datetime | None = None  # set: the order went through `ordered` on the phone


def steps(
    current: OrderStatus, target: OrderStatus, *, ordered: bool = False
) -> list[OrderStatus] | None:
    """The statuses to pass through from `current` to `target`; None if it cannot get there.
    `stock_updated` is reached from `received` (the device applied it). `ordered`: the
    device's order carries `orderedAt`, so a pending order goes through `ordered` (and gets
    its timestamp) on its way further (API.md 8.5 e)."""
    if (
        ordered
        and current == OrderStatus.PENDING
        and target not in (OrderStatus.PENDING, OrderStatus.ORDERED, OrderStatus.DECLINED)
    ):
        rest = steps(OrderStatus.ORDERED, target)
        return None if rest is None else [OrderStatus.ORDERED, *rest]
    paths, seen = [[current]], {current}
    while paths:
        path = paths.pop(0)
        if path[-1] == target:
            return path[1:]
        nexts = TRANSITIONS[path[-1]] | (
            {OrderStatus.STOCK_UPDATED} if path[-1] == OrderStatus.RECEIVED else set()
        )
        for status in sorted(nexts - seen):
            seen.add(status)
            paths.append([*path, status])
    return None


def applied_locally(sent_status: OrderStatus, base: Base | None) -> bool:
    """The device applied a server order itself: it held it unapplied and now says applied.
    (Without a base nothing is known, and the device's items are not merged either.)"""
    return (
        sent_status == OrderStatus.STOCK_UPDATED
        and base is not None
        and base.fields["status"] != OrderStatus.STOCK_UPDATED
    )


def first_lines(body: DeviceOrder) -> dict[str, int]:
    """What the app added to each local item: the first line naming it."""
    lines: dict[str, int] = {}
    for line in body.items:
        lines.setdefault(line.item_id, line.quantity)
    return lines


@dataclass
class _Credit:
    order_op: str
    quantity: int
    item_id: UUID | None = None  # set once the item's operation used it
    settled: bool = False  # the order's operation ran


@dataclass
class Credits:
    """Stock the device's items carry from orders it applied that the server applied too."""

    by_ref: dict[str, list[_Credit]] = field(default_factory=dict)

    def add(self, order_op: str, lines: dict[str, int]) -> None:
        for ref, quantity in lines.items():
            self.by_ref.setdefault(ref, []).append(_Credit(order_op, quantity))

    def for_item(self, refs: list[str], item_id: UUID) -> tuple[int, int]:
        """(stock not to count again, of which the order's operation has not run yet)."""
        credits = [c for r in refs for c in self.by_ref.get(r, ())]
        for c in credits:
            c.item_id = item_id
        return sum(c.quantity for c in credits), sum(c.quantity for c in credits if not c.settled)

    def merged(self, order_op: str) -> list[tuple[UUID, int]]:
        """Items already merged with this order's credit: their base gains it once it runs."""
        return [
            (c.item_id, c.quantity)
            for credits in self.by_ref.values()
            for c in credits
            if c.order_op == order_op and not c.settled and c.item_id is not None
        ]

    def settle(self, order_op: str) -> None:
        for credits in self.by_ref.values():
            for c in credits:
                if c.order_op == order_op:
                    c.settled = True


def scan(ctx: Context, session: Session, ops: list[Operation], credits: Credits) -> set[str]:
    """Before anything runs: which order operations report a local apply of an order the
    server applied already (their stock must not count twice). Returns those op ids."""
    credited = set()
    for op in ops:
        if op.entity != "order" or op.type not in ("create", "update"):
            continue
        try:
            body = DeviceOrder.model_validate(op.data or {})
        except ValueError:
            continue
        order_id = ctx.resolve("order", op.refs())
        order = ctx.fetched(order_id) or load(ctx.store, "order", order_id) if order_id else None
        if order is None or order.status != OrderStatus.STOCK_UPDATED:
            continue
        if applied_locally(body.status, session.base("order", order)):
            credits.add(op.id, first_lines(body))
            credited.add(op.id)
    return credited


def upsert(
    ctx: Context,
    session: Session,
    op: Operation,
    body: DeviceOrder,
    credits: Credits,
    credited: bool,
) -> Decision:
    order_id = ctx.resolve("order", op.refs())
    if order_id is None:
        return _create(ctx, op, body)
    return _advance(ctx, session, op, order_id, body, credits, credited)


def _create(ctx: Context, op: Operation, body: DeviceOrder) -> Decision:
    local = op.local_id or (op.data or {}).get("localId") or op.entity_id
    lines = tuple(_line(ctx, line) for line in body.items)
    order, day, number = orders.new_order(
        ctx.uow, ctx.owner_id, lines, local_id=local, via=Via.SYNC
    )
    _walk(order, steps(OrderStatus.PENDING, body.status, ordered=body.ordered_at is not None) or [])
    held = Base({"status": order.status}, order.version, True)
    writes = tuple(local_id_row(ctx.owner_id, "order", local, order.id))
    caller = Caller(ctx.owner_id, ctx.session_id)
    return settle(caller, op, "order", order, ((), None), {}, held, day, number, writes=writes)


def _advance(
    ctx: Context,
    session: Session,
    op: Operation,
    order_id: UUID,
    body: DeviceOrder,
    credits: Credits,
    credited: bool,
) -> Decision:
    order = load(ctx.store, "order", order_id)
    if order is None or order.owner_id != ctx.owner_id:
        raise OrderNotFound(order_id)
    sent = {"status": body.status}
    base = session.base("order", order, Shown(sent, op.version()))
    clash: tuple[tuple[str, ...], str | None] = ((), None)
    elsewhere = order.status == OrderStatus.STOCK_UPDATED and applied_locally(body.status, base)
    if order.is_deleted:
        clash = (("status",), DELETED)
    elif base is None or body.status != base.fields["status"]:
        clash = _move(order, body.status, ordered=body.ordered_at is not None)
    others = []
    if elsewhere and not credited:  # applied on the server since the push began
        others = _take_back(ctx, first_lines(body))
    gained = tuple(
        Held(
            "item",
            item_id,
            Base(
                {**held.fields, "quantity": held.fields["quantity"] + q}, held.version, held.proven
            ),
        )
        for item_id, q in credits.merged(op.id)
        if (held := session.sent_now(item_id)) is not None
    )
    held = Base(sent, order.version, bool(base and base.proven))
    caller = Caller(ctx.owner_id, ctx.session_id)
    return settle(caller, op, "order", order, clash, sent, held, *others, also_held=gained)


def _move(
    order: Order, status: OrderStatus, *, ordered: bool
) -> tuple[tuple[str, ...], str | None]:
    """Along the status table as far as `status`; a clash if the order cannot get there."""
    path = steps(order.status, status, ordered=ordered)
    if path is not None:
        _walk(order, path)
        return (), None
    if order.status != OrderStatus.DECLINED and RANK[order.status] >= RANK.get(status, len(RANK)):
        return (), None  # already further along than the device knew
    return ("status",), STATUS_BLOCKED


def _walk(order: Order, path: list[OrderStatus]) -> None:
    for status in path:
        if status == OrderStatus.STOCK_UPDATED:
            order.record_applied((), (), via=Via.DEVICE)
        else:
            order.change_status(status, None, via=Via.SYNC)


def _take_back(ctx: Context, lines: dict[str, int]) -> list[Item]:
    """Someone applied the order on the server while the device's items, carrying it too,
    were merged: take those lines back off, so the order's stock counts once."""
    taken = []
    for ref, quantity in lines.items():
        item_id = ctx.resolve("item", [ref])
        item = load(ctx.store, "item", item_id) if item_id else None
        if item is None or item.is_deleted or item.owner_id != ctx.owner_id:
            continue
        if amount := min(quantity, item.quantity):
            item.adjust_stock(-amount, reason="order applied on another device", via=Via.SYNC)
            taken.append(item)
    return taken


def _line(ctx: Context, line: OrderItemIn) -> OrderLine:
    """A snapshot of the line's item; if the item is gone, of what the device sent."""
    ref = ctx.server_ref("item", line.item_id)
    request = orders.LineRequest.from_request(line, ref)
    snapshot = orders.snapshot_line(ctx.uow, ctx.owner_id, request)
    if snapshot is not None:
        return snapshot
    item_id = parse_uuid(ref) or uuid5(NAMESPACE_URL, f"/vitaltrack/{ctx.owner_id}/items/{ref}")
    return OrderLine(
        id=uuid4(),
        item_id=item_id,
        name=line.name or "Unknown item",
        brand=line.brand,
        unit=line.unit or "pieces",
        quantity=line.quantity,
        current_stock=line.current_stock or 0,
        minimum_stock=line.minimum_stock or 0,
        category_name=line.category_name,
        supplier_name=line.supplier_name,
        purchase_link=line.purchase_link,
        image_uri=line.image_uri,
        is_essential=line.is_essential,
        notes=line.notes,
    )

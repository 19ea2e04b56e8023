"""An item in a whole-state push: created if new, else merged against the device's base."""

from typing import Any
from uuid import UUID

from command.categories.handlers import load_category
from command.items import handlers as items
from command.items.requests import ItemCreate
from command.memberships import item_joins, item_moves
from command.sync.context import Context, Operation
from command.sync.decision import Decision, Held, applied
from command.sync.receipts import Base, Shown
from command.sync.session import FIELDS, Session, fields_of, load
from command.sync.whole_state.settle import Caller, plan_against, settle
from command.unit_of_work import BatchedUnitOfWork
from events.attribution import Via
from events.category import CategoryNotFound
from events.conflict import CATEGORY_GONE
from events.item import DETAIL_FIELDS, Item, ItemEdit, ItemNotFound
from events.store import SideWrite


def create(ctx: Context, op: Operation, body: ItemCreate) -> Decision:
    """A new item; the device holds what it sent (API.md 8.5: its base)."""
    uow = BatchedUnitOfWork(ctx.store)
    new = items.CreateItem.from_request(body, ctx.owner_id, via=Via.SYNC)
    item = items.create_item(uow, new).aggregate
    aggregates, writes = uow.gathered()
    held = Held("item", item.id, Base(fields_of("item", item), item.version, True))
    return applied(op.id, item, save=aggregates, writes=writes, held=(held,))


def merge(
    ctx: Context,
    session: Session,
    op: Operation,
    item_id: UUID,
    sent: dict[str, Any],
    *,
    matched: bool,
    credits: tuple[int, int],
) -> Decision:
    """Load what the merge needs, then decide."""
    item = ctx.fetched(item_id) or load(ctx.store, "item", item_id)
    if item is None or item.owner_id != ctx.owner_id:
        raise ItemNotFound(item_id)
    base = session.base("item", item, Shown(sent, op.version()))
    wanted = {item.category_id, sent.get("category_id", item.category_id)}
    live = {c for c in wanted if _live(ctx, c)}
    caller = Caller(ctx.owner_id, ctx.session_id)
    return decide(caller, op, item, sent, base, matched=matched, credits=credits, live=live)


def decide(
    caller: Caller,
    op: Operation,
    item: Item,
    sent: dict[str, Any],
    base: Base | None,
    *,
    matched: bool,
    credits: tuple[int, int],
    live: set[UUID],
) -> Decision:
    """The merge of `sent` into `item` (pure). `credits`: stock in `sent` the server counts
    already (see whole_state.orders), and of it what the order's operation has yet to add to
    the device's base. `live`: which of the categories involved exist."""
    credit, unsettled = credits
    planned = plan_against("item", item, sent, base, matched=matched, credit=credit)
    mine, before, p = planned.mine, planned.before, planned.plan
    clashes, reason, revive = list(p.clashes), p.reason, p.revive or planned.knew
    writes: list[SideWrite] = []
    if revive or p.changes or p.delta:
        gone = _apply(item, p.changes, p.delta, revive, live, writes)
        if gone and revive:  # an item whose category is gone cannot come back
            clashes, reason, writes = sorted(sent), CATEGORY_GONE, []
        elif gone:
            clashes, reason = [*clashes, "category_id"], reason or CATEGORY_GONE
    held = None
    if base is None or mine is not None:
        fields = {**(mine.fields if mine is not None else before), **sent}
        if "quantity" in sent:
            fields["quantity"] = sent["quantity"] - unsettled
        held = Base(fields, item.version, mine is not None and mine.proven)
    clash = (tuple(clashes), reason)
    return settle(caller, op, "item", item, clash, sent, held, writes=tuple(writes))


def _apply(
    item: Item,
    changes: dict[str, Any],
    delta: int,
    revive: bool,
    live: set[UUID],
    writes: list[SideWrite],
) -> bool:
    """Apply the plan to `item`; True if its category is gone (the move or revival fails)."""
    category_id: UUID = changes.get("category_id", item.category_id)
    if (revive or category_id != item.category_id) and category_id not in live:
        if revive:
            return True
        category_id = item.category_id
    if revive:
        item.revive(via=Via.SYNC)
        writes.append(item_joins(item.id, category_id))
    details = {k: v for k, v in changes.items() if k in DETAIL_FIELDS}
    cleared = tuple(k for k, v in details.items() if v is None)
    moved = category_id if category_id != item.category_id else None
    if moved is not None and not revive:
        writes.append(item_moves(item.id, moved))
    item.revise(ItemEdit(**details, cleared=cleared), Via.SYNC, category_id=moved, delta=delta)
    wanted: UUID = changes.get("category_id", category_id)
    return category_id != wanted


def _live(ctx: Context, category_id: UUID) -> bool:
    try:
        load_category(ctx.uow, ctx.owner_id, category_id)
    except CategoryNotFound:
        return False
    return True


def sent_fields(body: Any) -> dict[str, Any]:
    """The item fields the device sent, as validated."""
    return {f: getattr(body, f) for f in FIELDS["item"] if f in body.model_fields_set}

"""An item in a whole-state push: created if new, else merged against the device's base."""

from typing import Any
from uuid import UUID

from command.categories.handlers import load_category
from command.items import handlers as items
from command.memberships import item_joins, item_moves
from command.retry import aggregate_locks, retry_on_conflict
from command.sync.context import Context, Operation
from command.sync.outcomes import Outcome
from command.sync.session import FIELDS, Base, Session, fields_of, load
from command.sync.snapshot.records import plan_against, settle
from events.category import CategoryNotFound
from events.conflict import CATEGORY_GONE
from events.item import DETAIL_FIELDS, Item, ItemNotFound
from events.store import SideWrite


def create(ctx: Context, session: Session, sent: dict[str, Any], local: str | None) -> Outcome:
    """A new item; the device holds what it sent (API.md 8.5: its base)."""
    details = {f: sent[f] for f in DETAIL_FIELDS if f in sent}
    cmd = items.CreateItem(
        ctx.owner_id, sent["category_id"], local, sent.get("quantity", 0), details, "sync"
    )
    ctx.record.extra = lambda item: [
        session.record("item", item.id, Base(fields_of("item", item), item.version, True))
    ]
    ctx.record.on_commit = session.commit
    saved = items.create_item(ctx.uow, cmd)
    ctx.advance(saved.position)
    return ctx.record.outcome(saved.aggregate)


def merge(
    ctx: Context,
    session: Session,
    op: Operation,
    item_id: UUID,
    sent: dict[str, Any],
    *,
    matched: bool,
    credit: int,
    unsettled: int,
) -> Outcome:
    """`credit`: stock in `sent` the server counts already (see snapshot.orders); of it,
    `unsettled` the order's operation has yet to add to the device's base."""
    with aggregate_locks.hold(item_id):
        return _merge(ctx, session, op, item_id, sent, matched, (credit, unsettled))


@retry_on_conflict
def _merge(
    ctx: Context,
    session: Session,
    op: Operation,
    item_id: UUID,
    sent: dict[str, Any],
    matched: bool,
    credits: tuple[int, int],
) -> Outcome:
    credit, unsettled = credits
    item = ctx.fetched(item_id) or load(ctx.store, "item", item_id)
    if item is None or item.owner_id != ctx.owner_id:
        raise ItemNotFound(item_id)
    planned = plan_against(session, "item", item, sent, matched=matched, credit=credit)
    base, mine, before, p = planned.base, planned.mine, planned.before, planned.plan
    clashes, reason, revive = list(p.clashes), p.reason, p.revive or planned.knew
    writes: list[SideWrite] = []
    if revive or p.changes or p.delta:
        gone = _apply(ctx, item, p.changes, p.delta, revive, writes)
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
    return settle(
        ctx, session, op, "item", item, (tuple(clashes), reason), sent, held, writes=tuple(writes)
    )


def _apply(
    ctx: Context,
    item: Item,
    changes: dict[str, Any],
    delta: int,
    revive: bool,
    writes: list[SideWrite],
) -> bool:
    """Apply the plan to `item`; True if its category is gone (the move or revival fails)."""
    category_id: UUID = changes.get("category_id", item.category_id)
    if (revive or category_id != item.category_id) and not _live(ctx, category_id):
        if revive:
            return True
        category_id = item.category_id
    if revive:
        item.revive(via="sync")
        writes.append(item_joins(item.id, category_id))
    details = {k: v for k, v in changes.items() if k in DETAIL_FIELDS}
    cleared = tuple(k for k, v in details.items() if v is None)
    moved = category_id if category_id != item.category_id else None
    if moved is not None and not revive:
        writes.append(item_moves(item.id, moved))
    item.revise("sync", cleared, category_id=moved, delta=delta, **details)
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

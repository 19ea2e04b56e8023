"""Removal by omission (API.md 8.5 b): a whole-state push that leaves out an entity deletes it
only if this device provably holds it as it is now (it received it in a proven pull, or
created it, and nobody changed it since), as a revivable tombstone. Items go first, so a
category goes only once nothing is left in it; orders only while they may be deleted."""

from typing import Any
from uuid import UUID

from command.memberships import category_closes, items_leave, members_of
from command.retry import aggregate_locks, retry_on_conflict
from command.sync.context import Context
from command.sync.session import Base, Session, fields_of, load
from command.uniqueness import release
from events.category import Category
from events.index import category_name_key
from events.order import DECLINED, PENDING


def remove_unnamed(ctx: Context, session: Session, named: dict[str, set[UUID]]) -> None:
    for entity_id in session.unnamed("item", named["item"]):
        with aggregate_locks.hold(entity_id):
            _remove_item(ctx, session, entity_id)
    for entity_id in session.unnamed("order", named["order"]):
        _remove_order(ctx, session, entity_id)
    for entity_id in session.unnamed("category", named["category"]):
        _remove_category(ctx, session, entity_id)


@retry_on_conflict
def _remove_item(ctx: Context, session: Session, item_id: UUID) -> None:
    item = load(ctx.store, "item", item_id)
    if item is None or not session.holds("item", item):
        return
    _remove(ctx, session, "item", item, items_leave([item.id]))


@retry_on_conflict
def _remove_order(ctx: Context, session: Session, order_id: UUID) -> None:
    order = load(ctx.store, "order", order_id)
    if (
        order is None
        or not session.holds("order", order)
        or order.status not in (PENDING, DECLINED)
    ):
        return
    _remove(ctx, session, "order", order)


@retry_on_conflict
def _remove_category(ctx: Context, session: Session, category_id: UUID) -> None:
    category = load(ctx.store, "category", category_id)
    if category is None or not session.holds("category", category):
        return
    if members_of(ctx.store, category_id):
        return
    name = release(ctx.uow, category_name_key(ctx.owner_id, category.name), ctx.owner_id)
    _remove(ctx, session, "category", category, category_closes(category.id), others=(name,))


def _remove(
    ctx: Context, session: Session, entity: str, aggregate: Any, *writes: Any, others: Any = ()
) -> None:
    """Delete it; the device's base becomes the deleted entity (see knew_deleted)."""
    fields = fields_of(entity, aggregate)
    if isinstance(aggregate, Category):
        aggregate.delete()
    else:
        aggregate.delete(via="sync")
    held = session.record(entity, aggregate.id, Base(fields, aggregate.version, True))
    position = ctx.uow.commit(aggregate, *others, writes=[*writes, held])
    session.commit()
    ctx.advance(position)

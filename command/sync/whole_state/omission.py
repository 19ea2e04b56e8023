"""Removal by omission (API.md 8.5 b): a whole-state push that leaves out an entity deletes it
only if this device provably holds it as it is now (it received it in a proven pull, or
created it, and nobody changed it since), as a revivable tombstone. Items go first, so a
category goes only once nothing is left in it; orders only while they may be deleted."""

from uuid import UUID

from command.memberships import category_closes, items_leave, members_of
from command.sync.context import Context
from command.sync.decision import Decision, Held
from command.sync.receipts import Base
from command.sync.session import Session, fields_of, load
from command.uniqueness import release
from events.attribution import Via
from events.category import Category
from events.index import category_name_key
from events.order import OrderStatus
from events.store import SideWrite

ORDER = ("item", "order", "category")  # a category is empty once its items are gone


def unnamed(session: Session, named: dict[str, set[UUID]]) -> list[tuple[str, UUID]]:
    """What the session touched and this push left out, in the order to remove it."""
    return [(e, i) for e in ORDER for i in session.unnamed(e, named[e])]


def remove(ctx: Context, session: Session, entity: str, entity_id: UUID) -> Decision | None:
    """The removal of this entity, or None when the device does not provably hold it."""
    aggregate = load(ctx.store, entity, entity_id)
    if aggregate is None or not session.holds(entity, aggregate):
        return None
    fields = fields_of(entity, aggregate)
    others: list[object] = []
    writes: tuple[SideWrite, ...] = ()
    if isinstance(aggregate, Category):
        if members_of(ctx.store, entity_id):
            return None
        key = category_name_key(ctx.owner_id, aggregate.name)
        others.append(release(ctx.uow, key, ctx.owner_id))
        aggregate.delete()
        writes = (category_closes(entity_id),)
    elif entity == "order":
        if aggregate.status not in (OrderStatus.PENDING, OrderStatus.DECLINED):
            return None
        aggregate.delete(via=Via.SYNC)
    else:
        aggregate.delete(via=Via.SYNC)
        writes = (items_leave([entity_id]),)
    # the device's base becomes the deleted entity (see settle.knew_deleted)
    held = Held(entity, entity_id, Base(fields, aggregate.version, True))
    return Decision(None, save=(aggregate, *others), writes=writes, held=(held,))

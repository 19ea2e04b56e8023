"""A category in a whole-state push: created if new, else merged against the device's base.

Names are unique per household, so an unknown category whose name is taken is the household's
category of that name (a device that fell back to seed data, API.md 8.5 d): never a clash.
"""

from typing import Any
from uuid import UUID

from command.categories import handlers as categories
from command.categories.handlers import claim_name
from command.categories.requests import CategoryCreate
from command.memberships import category_opens
from command.sync.context import Context, Operation
from command.sync.decision import Decision, Held, applied
from command.sync.receipts import Base, Shown
from command.sync.session import FIELDS, Session, fields_of, load
from command.sync.whole_state.settle import Caller, plan_against, settle
from command.uniqueness import holder, release
from command.unit_of_work import BatchedUnitOfWork, UnitOfWork
from events.category import Category, CategoryEdit, CategoryNameTaken, CategoryNotFound
from events.conflict import NAME_TAKEN
from events.index import Index, category_name_key


def match(ctx: Context, name: str) -> UUID | None:
    """The household's live category of this name, if any."""
    return holder(ctx.uow, category_name_key(ctx.owner_id, name))


def create(ctx: Context, op: Operation, body: CategoryCreate) -> Decision:
    uow = BatchedUnitOfWork(ctx.store)
    new = categories.CreateCategory.from_request(body, ctx.owner_id)
    category = categories.create_category(uow, new).aggregate
    aggregates, writes = uow.gathered()
    held = Held("category", category.id, Base(fields_of("category", category), 1, True))
    return applied(op.id, category, save=aggregates, writes=writes, held=(held,))


def merge(
    ctx: Context,
    session: Session,
    op: Operation,
    category_id: UUID,
    sent: dict[str, Any],
    *,
    matched: bool,
) -> Decision:
    category = ctx.fetched(category_id) or load(ctx.store, "category", category_id)
    if category is None or category.owner_id != ctx.owner_id:
        raise CategoryNotFound(category_id)
    base = session.base("category", category, Shown(sent, op.version()))
    caller = Caller(ctx.owner_id, ctx.session_id)
    return decide(caller, UnitOfWork(ctx.store), op, category, sent, base, matched=matched)


def decide(
    caller: Caller,
    names: UnitOfWork,
    op: Operation,
    category: Category,
    sent: dict[str, Any],
    base: Base | None,
    *,
    matched: bool,
) -> Decision:
    """The merge of `sent` into `category`; `names` loads the name index it claims."""
    planned = plan_against("category", category, sent, base, matched=matched)
    mine, before, p = planned.mine, planned.before, planned.plan
    clashes, reason, revive = list(p.clashes), p.reason, p.revive or planned.knew
    changes, indexes, writes = dict(p.changes), [], []
    if revive or changes:
        try:
            indexes = _names(names, category, changes.get("name", category.name), revive)
        except CategoryNameTaken:
            if revive or "name" not in changes:
                held = _held(sent, mine, base, fields_of("category", category), category)
                return settle(caller, op, "category", category, (("name",), NAME_TAKEN), sent, held)
            changes.pop("name")
            clashes, reason = [*clashes, "name"], reason or NAME_TAKEN
            indexes = []
        if revive:
            category.revive()
            writes.append(category_opens(category.id, category.owner_id))
        cleared = tuple(k for k, v in changes.items() if v is None)
        category.revise(CategoryEdit(**changes, cleared=cleared))
    held = _held(sent, mine, base, before, category)
    clash = (tuple(clashes), reason)
    return settle(caller, op, "category", category, clash, sent, held, *indexes, writes=(*writes,))


def _names(uow: UnitOfWork, category: Category, name: str, revive: bool) -> list[Index | None]:
    """Claim the name the category will have; release the old one unless it was freed by the
    deletion that a revival undoes (claiming both would keep the old name taken forever)."""
    old = category_name_key(category.owner_id, category.name)
    if not revive and category_name_key(category.owner_id, name) == old:
        return []
    claimed = claim_name(uow, category, name)
    if revive:
        return [claimed]
    return [claimed, release(uow, old, category.owner_id)]


def _held(
    sent: dict[str, Any],
    mine: Base | None,
    base: Base | None,
    before: dict[str, Any],
    category: Any,
) -> Base | None:
    """The device holds what it sent, on top of its base; nothing is recorded when the
    session's base was not the device's copy (a match by name of a proven entity)."""
    if base is not None and mine is None:
        return None
    fields = {**(mine.fields if mine is not None else before), **sent}
    return Base(fields, category.version, bool(mine is not None and mine.proven))


def sent_fields(body: Any) -> dict[str, Any]:
    return {f: getattr(body, f) for f in FIELDS["category"] if f in body.model_fields_set}

"""A category in a whole-state push: created if new, else merged against the device's base.

Names are unique per household, so an unknown category whose name is taken is the household's
category of that name (a device that fell back to seed data, API.md 8.5 d): never a clash.
"""

from typing import Any
from uuid import UUID

from command.categories import handlers as categories
from command.categories.handlers import claim_name
from command.memberships import category_opens
from command.retry import retry_on_conflict
from command.sync.context import Context, Operation
from command.sync.outcomes import Outcome
from command.sync.session import FIELDS, Base, Session, fields_of, load
from command.sync.snapshot.records import plan_against, settle
from command.uniqueness import holder, release
from events.category import Category, CategoryNameTaken, CategoryNotFound
from events.conflict import NAME_TAKEN
from events.index import Index, category_name_key


def match(ctx: Context, name: str) -> UUID | None:
    """The household's live category of this name, if any."""
    return holder(ctx.uow, category_name_key(ctx.owner_id, name))


def create(ctx: Context, session: Session, sent: dict[str, Any], local: str | None) -> Outcome:
    cmd = categories.CreateCategory(
        ctx.owner_id,
        sent["name"],
        sent.get("description"),
        sent.get("display_order", 0),
        sent.get("is_default", False),
        local,
    )
    ctx.record.extra = lambda category: [
        session.record(
            "category", category.id, Base(fields_of("category", category), category.version, True)
        )
    ]
    ctx.record.on_commit = session.commit
    saved = categories.create_category(ctx.uow, cmd)
    ctx.advance(saved.position)
    return ctx.record.outcome(saved.aggregate)


@retry_on_conflict
def merge(
    ctx: Context,
    session: Session,
    op: Operation,
    category_id: UUID,
    sent: dict[str, Any],
    *,
    matched: bool,
) -> Outcome:
    category = ctx.fetched(category_id) or load(ctx.store, "category", category_id)
    if category is None or category.owner_id != ctx.owner_id:
        raise CategoryNotFound(category_id)
    planned = plan_against(session, "category", category, sent, matched=matched)
    base, mine, before, p = planned.base, planned.mine, planned.before, planned.plan
    clashes, reason, revive = list(p.clashes), p.reason, p.revive or planned.knew
    changes, indexes, writes = dict(p.changes), [], []
    if revive or changes:
        try:
            indexes = _names(ctx, category, changes.get("name", category.name), revive)
        except CategoryNameTaken:
            if revive or "name" not in changes:
                return _blocked(ctx, session, op, category, sent, mine)
            changes.pop("name")
            clashes, reason = [*clashes, "name"], reason or NAME_TAKEN
            indexes = []
        if revive:
            category.revive()
            writes.append(category_opens(category.id, category.owner_id))
        category.revise(cleared=tuple(k for k, v in changes.items() if v is None), **changes)
    held = _held(sent, base, mine is not None, before, category)
    return settle(
        ctx,
        session,
        op,
        "category",
        category,
        (tuple(clashes), reason),
        sent,
        held,
        *indexes,
        writes=tuple(writes),
    )


def _names(ctx: Context, category: Category, name: str, revive: bool) -> list[Index | None]:
    """Claim the name the category will have; release the old one unless it was freed by the
    deletion that a revival undoes (claiming both would keep the old name taken forever)."""
    old = category_name_key(ctx.owner_id, category.name)
    if not revive and category_name_key(ctx.owner_id, name) == old:
        return []
    claimed = claim_name(ctx.uow, category, name)
    if revive:
        return [claimed]
    return [claimed, release(ctx.uow, old, ctx.owner_id)]


def _blocked(
    ctx: Context,
    session: Session,
    op: Operation,
    category: Any,
    sent: dict[str, Any],
    base: Base | None,
) -> Outcome:
    held = _held(sent, base, base is not None, fields_of("category", category), category)
    return settle(ctx, session, op, "category", category, (("name",), NAME_TAKEN), sent, held)


def _held(
    sent: dict[str, Any], base: Base | None, mine: bool, before: dict[str, Any], category: Any
) -> Base | None:
    if base is not None and not mine:
        return None
    fields = {**(base.fields if base is not None else before), **sent}
    return Base(fields, category.version, bool(base is not None and base.proven))


def sent_fields(body: Any) -> dict[str, Any]:
    return {f: getattr(body, f) for f in FIELDS["category"] if f in body.model_fields_set}

"""How a whole-state operation ends: its changes, its conflict record (if the server kept
something of its own), its outcome and the device's new base, all in ONE save."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from command.sync.context import Context, Operation, conflict
from command.sync.outcomes import APPLIED, Outcome
from command.sync.session import Base, Session, fields_of
from command.sync.snapshot.merge import Plan, plan
from events.conflict import (
    CATEGORY_GONE,
    CHANGED_ON_BOTH,
    DELETED,
    NAME_TAKEN,
    NO_BASE,
    OUT_OF_RANGE,
    STATUS_BLOCKED,
    Clash,
    SyncConflict,
)
from events.store import SideWrite

EXPLAINED = {
    CHANGED_ON_BOTH: "changed on another device too",
    NO_BASE: "this device's copy is not one the server gave it, so nothing was overwritten",
    DELETED: "deleted on another device",
    OUT_OF_RANGE: "the stock change would leave the range 0 to 999999",
    NAME_TAKEN: "another category has this name",
    CATEGORY_GONE: "its category does not exist any more",
    STATUS_BLOCKED: "the order cannot move to this status",
}


@dataclass(frozen=True)
class Planned:
    """An entity the device sent again, planned against what the device holds of it."""

    base: Base | None  # the session's record of it
    mine: Base | None  # the base the merge may trust
    before: dict[str, Any]  # the server's fields
    plan: Plan
    knew: bool  # the device's base is the deleted entity (see knew_deleted)


def plan_against(
    session: Session,
    entity: str,
    current: Any,
    sent: dict[str, Any],
    *,
    matched: bool,
    credit: int = 0,
) -> Planned:
    base = session.base(entity, current)
    # A match by name (seed data) is never the device's copy of the household's entity.
    mine = base if base is not None and not (matched and base.proven) else None
    before = fields_of(entity, current)
    knew = knew_deleted(mine, current)
    deleted = current.is_deleted and not knew
    held = mine.fields if mine is not None else None
    return Planned(
        base, mine, before, plan(sent, held, before, deleted=deleted, credit=credit), knew
    )


def knew_deleted(base: Base | None, current: Any) -> bool:
    """The device's base is the deleted entity itself (it removed it, or was told): sending it
    again means it was added back on the device (a restored backup): it comes back."""
    return base is not None and current.is_deleted and base.version == current.version


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (UUID, date)):
        return str(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def settle(
    ctx: Context,
    session: Session,
    op: Operation,
    entity: str,
    current: Any,
    conflict_of: tuple[tuple[str, ...], str | None],
    sent: dict[str, Any],
    held: Base | None,
    *others: Any,
    writes: tuple[SideWrite, ...] = (),
    more: Callable[[], list[SideWrite]] = list,
) -> Outcome:
    """Save `current` (and `others`) with the outcome; `held` is the device's new base.
    `writes` commit with the events; `more` makes bookkeeping rows (anew for each attempt)."""
    clashes, reason = conflict_of
    record = None
    if clashes:
        record = SyncConflict(
            owner_id=ctx.owner_id,
            session_id=ctx.session_id,
            operation_id=op.id,
            entity=entity,
            entity_id=current.id,
            entity_version=current.version,
            reason=reason or CHANGED_ON_BOTH,
            clashes=tuple(
                Clash(f, text(sent.get(f)), text(getattr(current, f, None))) for f in clashes
            ),
        )
        why = EXPLAINED[reason or CHANGED_ON_BOTH]
        outcome = conflict(op, current, f"Kept the server's {', '.join(clashes)}: {why}")
    else:
        outcome = Outcome(op.id, APPLIED, current.id, current.version)
    ctx.record.outcome = lambda _agg: outcome
    ctx.record.extra = lambda _agg: [
        *more(),
        *([session.record(entity, current.id, held)] if held else []),
    ]
    ctx.record.on_commit = session.commit
    session.discard()
    position = ctx.uow.commit(current, *others, record, writes=writes)
    if position:
        ctx.advance(position)
        return outcome
    ctx.deferred += more()
    if held is not None:
        ctx.deferred.append(session.record(entity, current.id, held))
    session.commit()
    return outcome

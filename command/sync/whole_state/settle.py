"""How a whole-state operation ends, as a decision: the entity's changes, the conflict record
(if the server kept something of its own), the outcome and the device's new base.

Pure: given the planned entity (its pending events already triggered), it builds the value
command/sync/push.py commits in ONE transaction.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from command.sync.context import Operation
from command.sync.decision import Decision, Held, conflict_outcome
from command.sync.outcomes import APPLIED, Outcome
from command.sync.receipts import Base
from command.sync.session import fields_of
from command.sync.whole_state.merge import Plan, plan
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
SEED_STOCK = {"quantity": 0}  # the app's seed rows start at 0 (createSeedData, useAppStore.ts)


@dataclass(frozen=True)
class Caller:
    owner_id: UUID
    session_id: UUID


@dataclass(frozen=True)
class Planned:
    """An entity the device sent again, planned against what the device holds of it."""

    mine: Base | None  # the base the merge may trust
    before: dict[str, Any]  # the server's fields
    plan: Plan
    knew: bool  # the device's base is the deleted entity (see knew_deleted)


def plan_against(
    entity: str,
    current: Any,
    sent: dict[str, Any],
    base: Base | None,
    *,
    matched: bool,
    credit: int = 0,
) -> Planned:
    """`base`: what the session proves the device holds; `matched`: the device's row was
    matched to `current` by name (seed data), so it is not the device's copy of it: only
    its stock has a known start (seed rows start at 0), nothing else may overwrite."""
    mine = base if base is not None and not (matched and base.proven) else None
    if mine is None and matched and entity == "item":
        mine = Base(SEED_STOCK, current.version, False)
    before = fields_of(entity, current)
    knew = not matched and knew_deleted(mine, current)  # a seed row never held it
    deleted = current.is_deleted and not knew
    held = mine.fields if mine is not None else None
    return Planned(mine, before, plan(sent, held, before, deleted=deleted, credit=credit), knew)


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
    caller: Caller,
    op: Operation,
    entity: str,
    current: Any,
    clash: tuple[tuple[str, ...], str | None],
    sent: dict[str, Any],
    held: Base | None,
    *others: Any,
    writes: tuple[SideWrite, ...] = (),
    also_held: tuple[Held, ...] = (),
) -> Decision:
    """`current` (and `others`) with the outcome; `held` the device's new base of `current`."""
    clashes, reason = clash
    record = None
    if clashes:
        record = SyncConflict(
            owner_id=caller.owner_id,
            session_id=caller.session_id,
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
        outcome = conflict_outcome(op.id, current, f"Kept the server's {', '.join(clashes)}: {why}")
    else:
        outcome = Outcome(op.id, APPLIED, current.id, current.version)
    mine = (Held(entity, current.id, held),) if held is not None else ()
    return Decision(
        outcome,
        save=(current, *others, *((record,) if record else ())),
        writes=writes,
        held=(*also_held, *mine),
    )

"""What a push rule decides for one operation (or one removal by omission), as a value.

Rules load what they need and return a Decision; they never save. command/sync/push.py
commits every decision in one place: the aggregates' new events, the rows written with them,
the operation's outcome and the device's new bases, in ONE transaction (or, when nothing is
recorded, with the push's other bookkeeping at its end). A retry decides afresh.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from command.categories.refusals import SHAPES as CATEGORY
from command.items.refusals import SHAPES as ITEM
from command.orders.refusals import SHAPES as ORDER
from command.sync.outcomes import APPLIED, CONFLICT, REJECTED, Outcome
from command.sync.receipts import Base
from events.store import SideWrite

SHAPES = {**CATEGORY, **ITEM, **ORDER}  # for a conflict's `current`


@dataclass(frozen=True)
class Held:
    """The device now holds `base` of this entity."""

    entity: str
    entity_id: UUID
    base: Base


@dataclass(frozen=True)
class Decision:
    outcome: Outcome | None  # None for a removal by omission (no operation asked for it)
    save: tuple[Any, ...] = ()  # aggregates whose new events to record
    writes: tuple[SideWrite, ...] = ()  # rows that commit with those events
    held: tuple[Held, ...] = ()  # the device's new bases
    # client ids that now stand for household entities (a seed row matched by name): kept,
    # so the session's later pushes and one-operation replays find them by id
    matched: tuple[tuple[str, str, UUID], ...] = ()

    def records(self) -> bool:
        """Whether committing it records events."""
        return any(a is not None and a.pending_events for a in self.save)


def applied(op_id: str, aggregate: Any, **rest: Any) -> Decision:
    return Decision(Outcome(op_id, APPLIED, aggregate.id, aggregate.version), **rest)


def rejected(op_id: str, code: str, message: str) -> Decision:
    return Decision(Outcome(op_id, REJECTED, None, None, {"code": code, "message": message}))


def conflict_outcome(op_id: str, current: Any, message: str, code: str = "conflict") -> Outcome:
    """`current` is the server's state the device's change met (in `error.current`)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if current is not None and not getattr(current, "is_deleted", False):
        error["current"] = SHAPES[type(current)](current).model_dump(mode="json", by_alias=True)
    entity_id = getattr(current, "id", None)
    return Outcome(op_id, CONFLICT, entity_id, getattr(current, "version", None), error)

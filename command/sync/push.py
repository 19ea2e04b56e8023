"""POST /sync/push (API.md 8.2): a device's operations, applied in the order given.

Each operation is atomic on its own: its events commit with its outcome (so a resend answers
`duplicate`, whatever the first outcome was) and with what the device now holds. `mode:
"ops"` infers nothing (command/sync/ops.py); a push without `mode` is the current app's
whole state (command/sync/snapshot). The caller holds the session's sync lock.
"""

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from pydantic import ValidationError

from command.items import handlers as items
from command.orders import handlers as orders
from command.preconditions import VersionConflict
from command.sync.context import Context, Operation, OperationRecord, Rejected, conflict, reject
from command.sync.ops import OpsRules
from command.sync.outcomes import (
    APPLIED,
    CONFLICT,
    DUPLICATE,
    Outcome,
    first_outcomes,
    outcomes_row,
)
from command.sync.snapshot import SnapshotRules
from command.unit_of_work import UnitOfWork
from events.category import CategoryNameTaken, CategoryNotFound
from events.device import Device
from events.item import InsufficientStock, ItemNotFound, StockLimitExceeded
from events.order import AlreadyApplied, InvalidTransition, OrderNotFound

REJECTIONS: dict[type[Exception], str] = {
    InsufficientStock: "insufficient_stock",
    StockLimitExceeded: "validation_error",
    items.CategoryMissing: "bad_request",
    orders.OrderedItemMissing: "bad_request",
    InvalidTransition: "invalid_transition",
    AlreadyApplied: "already_applied",
    CategoryNotFound: "not_found",
    ItemNotFound: "not_found",
    OrderNotFound: "not_found",
}


@dataclass(frozen=True)
class Push:
    owner_id: UUID
    session_id: UUID
    operations: tuple[Operation, ...]
    legacy: bool


@dataclass(frozen=True)
class Pushed:
    outcomes: list[Outcome]
    position: int


def push(uow: UnitOfWork, cmd: Push) -> Pushed:
    """Each operation gets a unit of work of its own (see _one); `uow` writes what is about
    the push as a whole."""
    store = uow.store
    ctx = Context(store, cmd.owner_id, cmd.session_id)
    seen = first_outcomes(store, cmd.owner_id, [op.id for op in cmd.operations])
    rules = SnapshotRules(ctx, cmd.operations) if cmd.legacy else OpsRules(ctx)
    outcomes: list[Outcome] = []
    unsaved: list[Outcome] = []
    try:
        for op in cmd.operations:
            outcome = seen[op.id].as_duplicate() if op.id in seen else _one(ctx, rules, op)
            if op.id not in seen and not ctx.record.saved:
                unsaved.append(outcome)
            seen.setdefault(op.id, outcome)
            outcomes.append(outcome)
            if isinstance(rules, SnapshotRules):
                rules.saw(op, outcome)
        if isinstance(rules, SnapshotRules):
            rules.finish()
    finally:  # what the operations that saved nothing decided, in one transaction
        uow.commit(writes=[*ctx.deferred, *outcomes_row(cmd.owner_id, unsaved)])
    if ctx.position or any(o.status not in (APPLIED, DUPLICATE) for o in outcomes):
        ctx.advance(_summary(uow, cmd, outcomes))
    return Pushed(outcomes, ctx.position)


def _one(ctx: Context, rules: OpsRules | SnapshotRules, op: Operation) -> Outcome:
    ctx.record = OperationRecord(ctx.owner_id, op)
    ctx.uow = UnitOfWork(ctx.store, rider=ctx.record)  # the outcome commits with its events
    try:
        outcome = rules.apply(op)
    except (VersionConflict, CategoryNameTaken) as exc:
        outcome = conflict(op, getattr(exc, "current", None), str(exc) or "Name already used")
    except ValidationError as exc:
        outcome = reject(op, "validation_error", "; ".join(e["msg"] for e in exc.errors()))
    except Rejected as exc:
        outcome = reject(op, exc.code, str(exc))
    except tuple(REJECTIONS) as exc:
        outcome = reject(op, REJECTIONS[type(exc)], str(exc) or type(exc).__doc__ or "")
    except IntegrityError:
        # The same operation id, sent at once from another session: the first one counts.
        first = first_outcomes(ctx.store, ctx.owner_id, [op.id]).get(op.id)
        if first is None:
            raise
        ctx.record.saved = True
        return first.as_duplicate()
    finally:
        ctx.uow = UnitOfWork(ctx.store)
    if outcome.status in (APPLIED, CONFLICT) and outcome.entity_id is not None:
        ctx.remember(op.entity, op.refs(), outcome.entity_id)
    return outcome


def _summary(uow: UnitOfWork, cmd: Push, outcomes: list[Outcome]) -> int:
    """The push in the activity log (sync_push), when it did anything."""
    count = {s: sum(o.status == s for o in outcomes) for s in Outcome.STATUSES}
    try:
        device: Device = uow.get(Device.create_id(cmd.session_id))
    except AggregateNotFoundError:  # the first push of this session
        device = Device(owner_id=cmd.owner_id, session_id=cmd.session_id)
    device.record_push(count["applied"], count["duplicate"], count["conflict"], count["rejected"])
    return uow.commit(device)

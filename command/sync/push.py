"""POST /sync/push (API.md 8.2): a device's operations, applied in the order given.

The imperative shell around the push rules (`"mode": "ops"`: command/sync/ops.py; a push
without `mode` is the current app's whole state: command/sync/whole_state). For each
operation the rules return a Decision; this module alone commits it: the events, the rows
that go with them, the operation's outcome (so a resend answers `duplicate`, whatever the
first outcome was) and what the device now holds, in ONE transaction. A version clash
decides again on the current state. Decisions that record no events are written together at
the end of the push (one statement for a 500-item push). The caller holds the session's and
the household's sync locks: the household's operations are processed one push at a time, so
an operation id is processed exactly once, whatever the concurrency.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from pydantic import ValidationError

from command.categories import refusals as categories
from command.items import refusals as items
from command.local_ids import local_id_row
from command.orders import refusals as orders
from command.preconditions import VersionConflict
from command.retry import retry_on_conflict
from command.sync.context import Context, Operation, Rejected
from command.sync.decision import Decision, conflict_outcome, rejected
from command.sync.ops import OpsRules
from command.sync.outcomes import (
    APPLIED,
    CONFLICT,
    DUPLICATE,
    Outcome,
    first_outcomes,
    outcome_row,
    outcomes_row,
)
from command.sync.session import Session
from command.sync.whole_state import WholeStateRules
from command.unit_of_work import UnitOfWork
from events.category import CategoryNameTaken
from events.device import Device
from events.store import SideWrite
from wire.cursors import Receipt
from wire.ids import parse_uuid

# What an operation refused by a handler answers (`rejected`), with REST's code and message.
REFUSED = {**categories.REFUSALS, **items.REFUSALS, **orders.REFUSALS}


VIEWERS_READ = "Viewers can read this household's supplies but not change them"


@dataclass(frozen=True)
class Push:
    owner_id: UUID
    session_id: UUID
    operations: tuple[Operation, ...]
    whole_state: bool
    receipt: Receipt  # tokens of an earlier pull answer the request sent back
    writes: bool = True  # False for a viewer: what would change something is refused


@dataclass(frozen=True)
class Pushed:
    outcomes: list[Outcome]
    position: int  # of the push's last event; the log's head when it recorded none


class Rules(Protocol):
    def decide(self, op: Operation) -> Decision: ...

    def committed(self, op: Operation, outcome: Outcome) -> None: ...

    def removals(self) -> list[Callable[[], Decision | None]]: ...


def push(uow: UnitOfWork, cmd: Push) -> Pushed:
    return _Shell(uow, cmd).run()


class _Shell:
    def __init__(self, uow: UnitOfWork, cmd: Push):
        self.uow, self.cmd = uow, cmd
        self.ctx = Context(uow.store, cmd.owner_id, cmd.session_id)
        self.session: Session | None = None
        self.rules: Rules = OpsRules(self.ctx)
        ids = [op.id for op in cmd.operations]
        self.seen = first_outcomes(uow.store, cmd.owner_id, ids)
        if cmd.whole_state:
            named = [u for op in cmd.operations for r in op.refs() if (u := parse_uuid(r))]
            self.ctx.expect(named)
            # A push sent again (an operation processed before) is late news: what it names
            # and its tokens tell nothing about what the device holds now, and what it
            # leaves out is no omission.
            late = any(i in self.seen for i in ids)
            receipt, named = (Receipt(), []) if late else (cmd.receipt, named)
            self.session = Session(uow.store, cmd.owner_id, cmd.session_id, named, receipt)
            self.rules = WholeStateRules(self.ctx, self.session, cmd.operations, late=late)
        self.position = 0
        self.later: list[SideWrite] = []  # rows of decisions that recorded no events
        self.later_outcomes: list[Outcome] = []

    def run(self) -> Pushed:
        owner, seen = self.cmd.owner_id, self.seen
        outcomes = []
        try:
            for op in self.cmd.operations:
                if op.id in seen:
                    outcome = seen[op.id].as_duplicate()
                else:
                    outcome = seen[op.id] = self._operation(op)
                if outcome.status in (APPLIED, CONFLICT) and outcome.entity_id is not None:
                    self.ctx.remember(op.entity, op.refs(), outcome.entity_id)
                self.rules.committed(op, outcome)
                outcomes.append(outcome)
            for removal in self.rules.removals():
                self._settle(removal)
        finally:
            self.uow.commit(writes=[*self.later, *outcomes_row(owner, self.later_outcomes)])
        if self.position or any(o.status not in (APPLIED, DUPLICATE) for o in outcomes):
            self._summary(outcomes)
        head = self.position or self.uow.store.recorder.max_notification_id() or 0
        return Pushed(outcomes, head)

    def _operation(self, op: Operation) -> Outcome:
        try:
            outcome = self._settle(lambda: self._decide(op))
        except IntegrityError:
            # Only if the household's sync lock was lost (its connection died): the same
            # operation id, recorded meanwhile by another push; the first one counts.
            first = first_outcomes(self.uow.store, self.cmd.owner_id, [op.id]).get(op.id)
            if first is None:
                raise
            return first.as_duplicate()
        assert outcome is not None  # an operation's decision always has one
        return outcome

    def _decide(self, op: Operation) -> Decision:
        """The rules' decision; what they refuse is an outcome too."""
        try:
            return self.rules.decide(op)
        except (VersionConflict, CategoryNameTaken) as exc:
            current = getattr(exc, "current", None)
            message = str(exc) or "Name already used"
            return Decision(conflict_outcome(op.id, current, message))
        except ValidationError as exc:
            return rejected(op.id, "validation_error", "; ".join(e["msg"] for e in exc.errors()))
        except Rejected as exc:
            return rejected(op.id, exc.code, str(exc))
        except tuple(REFUSED) as exc:
            _, code, detail = REFUSED[type(exc)]
            return rejected(op.id, code, detail or str(exc))

    @retry_on_conflict
    def _settle(self, decide: Callable[[], Decision | None]) -> Outcome | None:
        """Decide, then commit the decision; a version clash decides again. A viewer's
        operation that changes nothing answers as anyone's (its whole-state push at logout
        succeeds); one that would change something is refused (API.md 12)."""
        decision = decide()
        if decision is not None and decision.records() and not self.cmd.writes:
            if decision.outcome is None:  # a removal by omission: not the viewer's to make
                return None
            decision = rejected(decision.outcome.operation_id, "forbidden", VIEWERS_READ)
        if decision is None:
            return None
        self._commit(decision)
        return decision.outcome

    def _commit(self, decision: Decision) -> None:
        session, owner = self.session, self.cmd.owner_id
        rows = list(decision.writes)
        if session is not None:
            rows += [session.record(h.entity, h.entity_id, h.base) for h in decision.held]
        for entity, ref, entity_id in decision.matched:
            rows += local_id_row(owner, entity, ref, entity_id)
        if decision.records():
            outcome = [outcome_row(owner, decision.outcome)] if decision.outcome else []
            position = self.uow.commit(*decision.save, writes=[*rows, *outcome])
            self.position = max(self.position, position)
        else:
            self.later += rows
            self.later_outcomes += [decision.outcome] if decision.outcome else []
        if session is not None:
            for held in decision.held:
                session.commit(held.entity, held.entity_id, held.base)
        for entity, ref, entity_id in decision.matched:
            self.ctx.remember(entity, [ref], entity_id)

    def _summary(self, outcomes: list[Outcome]) -> None:
        """The push in the activity log (sync_push), when it did anything."""
        count = {s: sum(o.status == s for o in outcomes) for s in Outcome.STATUSES}
        try:
            device: Device = self.uow.get(Device.create_id(self.cmd.session_id))
        except AggregateNotFoundError:  # the first push of this session
            device = Device(owner_id=self.cmd.owner_id, session_id=self.cmd.session_id)
        device.record_push(
            count["applied"], count["duplicate"], count["conflict"], count["rejected"]
        )
        self.position = max(self.position, self.uow.commit(device))

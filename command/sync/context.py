"""What every operation of a push shares: the caller, client ids, and how outcomes are told."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from command.errors import WIRE
from command.sync.local_ids import local_ids
from command.sync.outcomes import APPLIED, CONFLICT, REJECTED, Outcome, outcome_row
from command.sync.session import KIND
from command.unit_of_work import UnitOfWork
from events.store import SideWrite, Store
from wire.ids import parse_uuid


@dataclass(frozen=True)
class Operation:
    id: str
    type: str
    entity: str
    entity_id: str | None
    local_id: str | None
    data: Mapping[str, Any] | None
    base_version: int | None

    def refs(self) -> list[str]:
        """The ids the device uses for the entity (server id, or its own)."""
        data_local = (self.data or {}).get("localId")
        found = [self.entity_id, self.local_id, data_local]
        return [r for r in dict.fromkeys(found) if isinstance(r, str) and r]


class Rejected(Exception):
    """The operation cannot be applied as sent."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class OperationRecord:
    """The rider of one operation's unit of work: its outcome (and the mode's bookkeeping)
    commit with the first save that records events; `saved` tells whether one did."""

    def __init__(self, owner_id: UUID, op: Operation):
        self.owner_id, self.op, self.saved = owner_id, op, False
        self.outcome: Callable[[Any], Outcome] = lambda agg: Outcome(
            op.id, APPLIED, agg.id, agg.version
        )
        self.extra: Callable[[Any], list[SideWrite]] = lambda _agg: []
        self.on_commit: Callable[[], None] = lambda: None

    def writes(self, saved: tuple[Any, ...]) -> list[SideWrite]:
        if self.saved:
            return []
        return [outcome_row(self.owner_id, self.outcome(saved[0])), *self.extra(saved[0])]

    def committed(self, saved: tuple[Any, ...]) -> None:  # noqa: ARG002 - the hook's signature
        self.saved = True
        self.on_commit()


class Context:
    """One push: the owner's client ids, the highest log position written, and bookkeeping
    of operations that saved nothing (written together at the end)."""

    def __init__(self, store: Store, owner_id: UUID, session_id: UUID):
        self.store, self.owner_id, self.session_id = store, owner_id, session_id
        self.local = local_ids(store, owner_id)
        self.position = 0
        self.record = OperationRecord(owner_id, Operation("", "", "", None, None, None, None))
        self.deferred: list[SideWrite] = []
        self.uow = UnitOfWork(store)  # with the operation's record as rider while it runs
        self._fetched: dict[UUID, Any] = {}  # what resolve() loaded, for the operation's use
        self._loaded: dict[UUID, Any] = {}

    def expect(self, entity_ids: list[UUID]) -> None:
        """The entities the push names, loaded together (a few queries, not one or two per
        entity); each copy serves one resolve()."""
        self._loaded = self.store.repository.get_many(entity_ids)

    def advance(self, position: int) -> None:
        self.position = max(self.position, position)

    def resolve(self, entity: str, refs: list[str]) -> UUID | None:
        """The owner's entity a device means: its server id, else a client id (deleted too)."""
        for ref in refs:
            candidate = parse_uuid(ref)
            if candidate is None:
                continue
            try:
                found: object = self._loaded.pop(candidate, None) or self.store.repository.get(
                    candidate
                )
            except AggregateNotFoundError:  # maybe it is a client id after all
                continue
            if isinstance(found, KIND[entity]) and found.owner_id == self.owner_id:
                self._fetched = {candidate: found}
                return candidate
        for ref in refs:
            if (entity, ref) in self.local:
                return self.local[(entity, ref)]
        return None

    def fetched(self, entity_id: UUID) -> Any | None:
        """The aggregate resolve() just loaded, once (a retry loads afresh): one load per
        operation instead of two."""
        return self._fetched.pop(entity_id, None)

    def server_ref(self, entity: str, ref: str) -> str:
        """A reference inside data (an item's category, an order line's item), as a server id."""
        return str(self.local.get((entity, ref), ref))

    def remember(self, entity: str, refs: list[str], entity_id: UUID) -> None:
        """Later operations of this push may use the device's ids for this entity."""
        for ref in refs:
            self.local.setdefault((entity, ref), entity_id)


def conflict(op: Operation, current: Any, message: str, code: str = "conflict") -> Outcome:
    error: dict[str, Any] = {"code": code, "message": message}
    if current is not None and not getattr(current, "is_deleted", False):
        error["current"] = WIRE[type(current)](current).model_dump(mode="json", by_alias=True)
    entity_id = getattr(current, "id", None)
    return Outcome(op.id, CONFLICT, entity_id, getattr(current, "version", None), error)


def reject(op: Operation, code: str, message: str) -> Outcome:
    return Outcome(op.id, REJECTED, None, None, {"code": code, "message": message})

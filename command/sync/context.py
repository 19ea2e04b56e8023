"""What every operation of a push shares: the caller, and which entity a device's id means."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from command.local_ids import local_ids
from command.sync.session import KIND
from command.unit_of_work import UnitOfWork
from events.store import Store
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

    def version(self) -> int | None:
        """The server version the device says it holds: `baseVersion`, or the `version` of
        a resource it sends back as it received it."""
        held = (self.data or {}).get("version")
        if self.base_version is not None:
            return self.base_version
        return held if type(held) is int and held > 0 else None


class Rejected(Exception):
    """The operation cannot be applied as sent."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class Context:
    """One push: the caller, the household's client ids, and the entities it names."""

    def __init__(self, store: Store, owner_id: UUID, session_id: UUID):
        self.store, self.owner_id, self.session_id = store, owner_id, session_id
        self.uow = UnitOfWork(store)  # for loads; decisions are committed by push.py
        self.local = local_ids(store, owner_id)
        self._fetched: dict[UUID, Any] = {}  # what resolve() loaded, for the operation's use
        self._loaded: dict[UUID, Any] = {}

    def expect(self, entity_ids: list[UUID]) -> None:
        """The entities the push names, loaded together (a few queries, not one or two per
        entity); each copy serves one resolve()."""
        self._loaded = self.store.repository.get_many(entity_ids)

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

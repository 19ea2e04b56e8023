"""What one session (one device login) demonstrably holds: the base of its whole-state pushes.

Operational state in plain tables (`sync_sessions`, `sync_session_entities`), one row per
session and per entity it touched: bounded by the household's size, never by the number of
pulls. Pulls record what they delivered (query/sync); a delivery counts only once the device
proved receipt (it named an id that pull gave it, or continued from its cursor). Pushes
record what the device sent: that is what it holds afterwards, whatever the answer was.
A bootstrap pull voids every earlier base, because the app replaces its data with the
answer, or with its seed data when the answer is lost (see docs/sync.md).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError

from command.unit_of_work import transaction
from events.category import REVISABLE, Category
from events.item import DETAIL_FIELDS, Item
from events.order import Order
from events.store import SideWrite, Store

FIELDS: dict[str, tuple[str, ...]] = {
    "category": REVISABLE,
    "item": (*DETAIL_FIELDS, "category_id", "quantity"),
    "order": ("status",),
}
KIND: dict[str, type[Category | Item | Order]] = {
    "category": Category,
    "item": Item,
    "order": Order,
}
_DECODE: dict[str, Callable[[str], Any]] = {"expiry_date": date.fromisoformat, "category_id": UUID}


def fields_of(entity: str, aggregate: Any) -> dict[str, Any]:
    return {f: getattr(aggregate, f) for f in FIELDS[entity]}


def _encode(fields: dict[str, Any]) -> str:
    return orjson.dumps(fields, default=str).decode()


def _decode(data: Any) -> dict[str, Any]:
    fields = orjson.loads(data) if isinstance(data, (str, bytes)) else dict(data)
    return {k: (_DECODE[k](v) if k in _DECODE and v is not None else v) for k, v in fields.items()}


@dataclass(frozen=True)
class Base:
    fields: dict[str, Any]
    version: int  # the server version this base corresponds to
    proven: bool  # the device saw the server's state (False: it only sent its own values)


@dataclass
class _Row:
    entity: str
    delivered_version: int | None
    delivered_seq: int | None
    base: dict[str, Any] | None
    base_version: int | None
    base_seq: int | None
    base_proven: bool


class Session:
    """One push's view of its session; the caller holds the session's sync lock."""

    def __init__(self, store: Store, owner_id: UUID, session_id: UUID, named: list[UUID]):
        self.store, self.owner_id, self.session_id = store, owner_id, session_id
        with transaction(store, commit=True) as curs:
            curs.execute(
                "INSERT INTO sync_sessions (session_id, owner_id, seq) VALUES (%s, %s, 1) "
                "ON CONFLICT (session_id) DO UPDATE "
                "SET seq = sync_sessions.seq + 1, updated_at = now() "
                "RETURNING seq, bootstrap_seq, proven_seq",
                (session_id, owner_id),
            )
            head = curs.fetchone()
            self.seq, self.bootstrap_seq = head["seq"], head["bootstrap_seq"]
            self.proven = head["proven_seq"] >= self.bootstrap_seq > 0
            if not self.proven and self.bootstrap_seq and self._names_delivered(curs, named):
                self.proven = True
                curs.execute(
                    "UPDATE sync_sessions SET proven_seq = bootstrap_seq WHERE session_id = %s",
                    (session_id,),
                )
            curs.execute(
                "SELECT entity_id, entity, delivered_version, delivered_seq, base, "
                "base_version, base_seq, base_proven FROM sync_session_entities "
                "WHERE session_id = %s",
                (session_id,),
            )
            self._rows = {
                r["entity_id"]: _Row(
                    r["entity"],
                    r["delivered_version"],
                    r["delivered_seq"],
                    _decode(r["base"]) if r["base"] is not None else None,
                    r["base_version"],
                    r["base_seq"],
                    bool(r["base_proven"]),
                )
                for r in curs.fetchall()
            }
        self._staged: dict[UUID, tuple[str, Base]] = {}
        self._proven_seq = max(head["proven_seq"], self.bootstrap_seq if self.proven else 0)

    def _names_delivered(self, curs: Any, named: list[UUID]) -> bool:
        """Receipt of the bootstrap is proven by naming a server id only that pull gave."""
        curs.execute(
            "SELECT 1 FROM sync_session_entities s JOIN sync_sessions h USING (session_id) "
            "WHERE s.session_id = %s AND s.entity_id = ANY(%s) "
            "AND s.delivered_seq >= h.bootstrap_seq LIMIT 1",
            (self.session_id, named),
        )
        return curs.fetchone() is not None

    def base(self, entity: str, current: Any) -> Base | None:
        """What the device started from for `current`, if anything proves it."""
        row = self._rows.get(current.id)
        if row is None:
            return None
        sent = row.base is not None and (row.base_seq or 0) > self.bootstrap_seq
        delivered = (
            row.delivered_seq is not None
            and self.bootstrap_seq <= row.delivered_seq <= self._proven_seq
        )
        if sent and (not delivered or (row.base_seq or 0) > (row.delivered_seq or 0)):
            return Base(dict(row.base or {}), row.base_version or 0, row.base_proven)
        if not delivered or row.delivered_version is None:
            return None
        seen = current
        if current.version != row.delivered_version:
            seen = self.store.repository.get(current.id, version=row.delivered_version)
        return Base(fields_of(entity, seen), row.delivered_version, True)

    def record(self, entity: str, entity_id: UUID, base: Base) -> SideWrite:
        """The device now holds `base`: to be written with the operation's events. Takes
        effect here on `commit()`, once they are saved (a failed save is retried)."""
        self._staged[entity_id] = (entity, base)
        return SideWrite(
            "INSERT INTO sync_session_entities "
            "(session_id, entity_id, entity, base, base_version, base_seq, base_proven) "
            "VALUES (%s, %s, %s, %s::json, %s, %s, %s) "
            "ON CONFLICT (session_id, entity_id) DO UPDATE SET base = EXCLUDED.base, "
            "base_version = EXCLUDED.base_version, base_seq = EXCLUDED.base_seq, "
            "base_proven = EXCLUDED.base_proven",
            (
                self.session_id,
                entity_id,
                entity,
                _encode(base.fields),
                base.version,
                self.seq,
                base.proven,
            ),
        )

    def add_stock(self, item_id: UUID, quantity: int) -> SideWrite | None:
        """The device's copy of an item gained stock the server now counts too."""
        row = self._rows.get(item_id)
        if row is None or row.base is None or row.base_seq != self.seq:
            return None
        fields = {**row.base, "quantity": row.base["quantity"] + quantity}
        return self.record("item", item_id, Base(fields, row.base_version or 0, row.base_proven))

    def commit(self) -> None:
        for entity_id, (entity, base) in self._staged.items():
            row = self._rows.setdefault(
                entity_id, _Row(entity, None, None, None, None, None, False)
            )
            row.base, row.base_version, row.base_seq = dict(base.fields), base.version, self.seq
            row.base_proven = base.proven
        self._staged.clear()

    def discard(self) -> None:
        self._staged.clear()

    def unnamed(self, entity: str, named: set[UUID]) -> list[UUID]:
        """Entities of this kind the session touched that a push did not name."""
        return [i for i, row in self._rows.items() if row.entity == entity and i not in named]

    def holds(self, entity: str, current: Any) -> bool:
        """The device provably holds `current` as it is now (API.md 8.5 b)."""
        if current.owner_id != self.owner_id or current.is_deleted:
            return False
        base = self.base(entity, current)
        return base is not None and base.proven and base.version == current.version


def load(store: Store, entity: str, entity_id: UUID) -> Any | None:
    """The owner-agnostic aggregate of this kind, deleted or not; None if there is none."""
    try:
        aggregate: object = store.repository.get(entity_id)
    except AggregateNotFoundError:
        return None
    return aggregate if isinstance(aggregate, KIND[entity]) else None

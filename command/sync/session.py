"""What one session (one device login) demonstrably holds: the base of its whole-state pushes.

Operational state in plain tables (`sync_sessions`, `sync_session_entities`), one row per
session and per entity it touched: bounded by the household's size, never by the number of
pulls. Pulls record what they delivered (query/sync); a delivery counts once the device
proved it received it. Pushes record what the device sent: that is what it holds afterwards,
whatever the answer was. A bootstrap pull voids every earlier base, because the app replaces
its data with the answer, or with its seed data when the answer is lost. The rules, with
their scenarios: docs/sync.md.
"""

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError

from command.sync.receipts import Base, Delivery, Pulls, Shown, choose
from command.unit_of_work import transaction
from events.category import REVISABLE, Category
from events.item import DETAIL_FIELDS, Item
from events.order import Order
from events.store import SideWrite, Store
from wire.cursors import Receipt

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


def _encode(fields: Mapping[str, Any]) -> str:
    return orjson.dumps(fields, default=str).decode()


def _decode(data: Any) -> dict[str, Any]:
    fields = orjson.loads(data) if isinstance(data, (str, bytes)) else dict(data)
    return {k: (_DECODE[k](v) if k in _DECODE and v is not None else v) for k, v in fields.items()}


@dataclass
class _Row:
    entity: str
    deliveries: list[Delivery]  # what the session's last pulls delivered, oldest first
    base: dict[str, Any] | None
    base_version: int | None
    base_seq: int | None
    base_proven: bool


class Session:
    """One push's view of its session; the caller holds the session's sync lock."""

    def __init__(
        self, store: Store, owner_id: UUID, session_id: UUID, named: list[UUID], receipt: Receipt
    ):
        self.store, self.owner_id, self.session_id = store, owner_id, session_id
        with transaction(store, commit=True) as curs:
            curs.execute(
                "INSERT INTO sync_sessions (session_id, owner_id, seq) VALUES (%s, %s, 1) "
                "ON CONFLICT (session_id) DO UPDATE "
                "SET seq = sync_sessions.seq + 1, updated_at = now() "
                "RETURNING seq, bootstrap_seq",
                (session_id, owner_id),
            )
            head = curs.fetchone()
            self.seq, self.bootstrap_seq = head["seq"], head["bootstrap_seq"]
            curs.execute(
                "SELECT sync_prove_receipt(%s, %s, %s)",
                (session_id, receipt.last_sync_at, receipt.position),
            )
            curs.execute(_ROWS, (session_id,))
            self._rows = {r["entity_id"]: _row(r) for r in curs.fetchall()}
            curs.execute(_BOOTSTRAP, (session_id, self.bootstrap_seq))
            for r in curs.fetchall():
                row = self._rows.setdefault(r["id"], _Row(r["kind"], [], None, None, None, False))
                row.deliveries.append(Delivery(r["version"], self.bootstrap_seq))
                row.deliveries.sort(key=lambda d: d.seq)  # oldest first
            if self._names_delivered(named):
                curs.execute(
                    "UPDATE sync_sessions SET proven_seq = greatest(proven_seq, bootstrap_seq) "
                    "WHERE session_id = %s",
                    (session_id,),
                )
            curs.execute(
                "SELECT proven_seq, pull_seqs, pull_lost FROM sync_sessions WHERE session_id = %s",
                (session_id,),
            )
            known = curs.fetchone()
        lost = frozenset(
            s for s, gone in zip(known["pull_seqs"], known["pull_lost"], strict=True) if gone
        )
        self.pulls = Pulls(self.bootstrap_seq, known["proven_seq"], lost)
        # the bootstrap arrived: the device holds the household's data (not seed data after
        # a lost answer)
        self.proven = self.bootstrap_seq > 0 and self.pulls.arrived(self.bootstrap_seq)

    def _names_delivered(self, named: list[UUID]) -> bool:
        """Receipt of the bootstrap is proven by naming a server id only that pull gave."""
        era = self.bootstrap_seq
        return any(
            d.seq >= era for i in named if (row := self._rows.get(i)) for d in row.deliveries
        )

    def base(self, entity: str, current: Any, shown: Shown | None = None) -> Base | None:
        """What the device started from for `current`, if anything proves it (or lets it be
        presumed): the latest of what it sent and what its pulls delivered (see receipts)."""
        row = self._rows.get(current.id)
        if row is None:
            return None
        sent, sent_seq = None, 0
        if row.base is not None and (row.base_seq or 0) > self.bootstrap_seq:
            sent = Base(dict(row.base), row.base_version or 0, row.base_proven)
            sent_seq = row.base_seq or 0
        fields = functools.cache(lambda version: fields_of(entity, self._at(current, version)))
        return choose(row.deliveries, sent, sent_seq, self.pulls, fields, shown)

    def _at(self, current: Any, version: int) -> Any:
        """The entity as it was at `version` (rebuilt from its events)."""
        if current.version == version:
            return current
        return self.store.repository.get(current.id, version=version)

    def record(self, entity: str, entity_id: UUID, base: Base) -> SideWrite:
        """The row saying the device now holds `base`, written with the operation's events;
        `commit()` takes it into account here once they are saved."""
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

    def commit(self, entity: str, entity_id: UUID, base: Base) -> None:
        row = self._rows.setdefault(entity_id, _Row(entity, [], None, None, None, False))
        row.base, row.base_version, row.base_seq = dict(base.fields), base.version, self.seq
        row.base_proven = base.proven

    def sent_now(self, item_id: UUID) -> Base | None:
        """What this push recorded as the device's copy of the item, if anything."""
        row = self._rows.get(item_id)
        if row is None or row.base is None or row.base_seq != self.seq:
            return None
        return Base(dict(row.base), row.base_version or 0, row.base_proven)

    def unnamed(self, entity: str, named: set[UUID]) -> list[UUID]:
        """Entities of this kind the session touched that a push did not name."""
        return [i for i, row in self._rows.items() if row.entity == entity and i not in named]

    def holds(self, entity: str, current: Any) -> bool:
        """The device provably holds `current` as it is now (API.md 8.5 b)."""
        if current.owner_id != self.owner_id or current.is_deleted:
            return False
        base = self.base(entity, current)
        return base is not None and base.proven and base.version == current.version


_ROWS = (
    "SELECT entity_id, entity, delivered_versions, delivered_seqs, base, base_version, "
    "base_seq, base_proven FROM sync_session_entities WHERE session_id = %s"
)
# What the session's latest bootstrap delivered (query/sync/delivery.py), if it is recorded
# as one row (older sessions' bootstraps are in their per-entity rows).
_BOOTSTRAP = (
    "SELECT t.kind, t.id, t.version FROM sync_bootstraps b, "
    "unnest(b.kinds, b.ids, b.versions) AS t(kind, id, version) "
    "WHERE b.session_id = %s AND b.seq = %s"
)


def _row(r: Any) -> _Row:
    return _Row(
        r["entity"],
        [Delivery(v, s) for v, s in zip(r["delivered_versions"], r["delivered_seqs"], strict=True)],
        _decode(r["base"]) if r["base"] is not None else None,
        r["base_version"],
        r["base_seq"],
        bool(r["base_proven"]),
    )


def load(store: Store, entity: str, entity_id: UUID) -> Any | None:
    """The owner-agnostic aggregate of this kind, deleted or not; None if there is none."""
    try:
        aggregate: object = store.repository.get(entity_id)
    except AggregateNotFoundError:
        return None
    return aggregate if isinstance(aggregate, KIND[entity]) else None

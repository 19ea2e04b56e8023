"""Decoding stored events for a replay, straight from their JSON bytes.

A rebuild decodes every event of the log once; the library's mapper revives each value of
each event through its generic transcoder. Most events are flat (a few ids and a timestamp
besides plain JSON values), so for those this module knows from the event class which keys
hold typed values and revives just those; events with nested values (order lines, conflict
clashes) and anything unexpected go through the library's mapper (`events.store`).
Events no projection reads are not decoded at all.

It reproduces what eventsourcing 9.5.6 does (checked against that version), and nothing
else in the project relies on these internals: the JSON transcoder stores a non-JSON value
as {"_type_": name, "_data_": text} ("uuid_hex", "datetime_iso", and our "date_iso"); the
mapper sets originator_id and originator_version from the row, pops "class_version" and
runs the class's `upcast_vN_vN+1` methods, then makes the event with object.__new__ and the
state as its __dict__. tests/unit/test_replay_decoding.py decodes every event type of the
domain both ways and fails if an upgrade changes any of that.

The live runner keeps the library's decoding, so the replay tests (rebuild equals live)
compare the two.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from types import UnionType
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints
from uuid import UUID

import orjson
from asyncpg.pgproto.pgproto import UUID as RowUUID
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from events.store import build_mapper
from projections.projection import Envelope

JSON_SCALARS = frozenset((str, int, bool, float))
# (transcoding name, reviver) per annotated type. UUIDs as asyncpg's (a uuid.UUID, equal
# and hashed alike), the type every id read from a row already has, built 4x faster.
TYPED: dict[type, tuple[str, Callable[[str], Any]]] = {
    UUID: ("uuid_hex", RowUUID),
    datetime: ("datetime_iso", datetime.fromisoformat),
    date: ("date_iso", date.fromisoformat),
}
Plan = tuple[tuple[str, str, Callable[[str], Any]], ...]  # (key, transcoding name, reviver)


def plan_of(cls: type) -> Plan | None:
    """The keys of a flat event class that hold typed values; None if any holds more
    (a nested value object, a list): such events go through the library's mapper."""
    plan = []
    for key, hint in get_type_hints(cls).items():
        if key in ("originator_id", "originator_version") or get_origin(hint) is ClassVar:
            continue
        union = get_origin(hint) in (Union, UnionType)
        kinds = set(get_args(hint) if union else (hint,)) - {type(None)}
        if kinds <= JSON_SCALARS:
            continue
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind not in TYPED:
            return None
        plan.append((key, *TYPED[kind]))
    return tuple(plan)


def revived(state: dict[str, Any], plan: Plan) -> bool:
    """Revive the typed values of a flat event's state in place; False if one is not stored
    as the plan expects (then the library's mapper decodes the event)."""
    for key, name, revive in plan:
        value = state.get(key)
        if value is not None:
            if type(value) is not dict or value.get("_type_") != name:
                return False
            state[key] = revive(value["_data_"])
    return True


class ReplayDecoder:
    """Rows of the events table (notification_id, originator_id, originator_version,
    topic, state) to envelopes, for projections that read the event types `wanted`."""

    def __init__(self, wanted: Iterable[type]):
        self.wanted = frozenset(wanted)
        self._mapper = build_mapper()
        self._topics: dict[str, tuple[type, Plan | None, bool]] = {}

    def wants(self, row: Any) -> bool:
        return self._topic(row["topic"])[2]

    def decode(self, row: Any) -> Envelope:
        cls, plan, _ = self._topic(row["topic"])
        state = orjson.loads(row["state"]) if plan is not None else None
        if state is None or not revived(state, plan or ()):
            stored = StoredEvent(
                row["originator_id"], row["originator_version"], row["topic"], row["state"]
            )
            return Envelope(row["notification_id"], self._mapper.to_domain_event(stored))
        state["originator_id"] = row["originator_id"]
        state["originator_version"] = row["originator_version"]
        version = state.pop("class_version", 1)
        while version < getattr(cls, "class_version", 1):
            getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        event: Any = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return Envelope(row["notification_id"], event)

    def _topic(self, topic: str) -> tuple[type, Plan | None, bool]:
        known = self._topics.get(topic)
        if known is None:
            cls = resolve_topic(topic)
            known = self._topics[topic] = (cls, plan_of(cls), cls in self.wanted)
        return known

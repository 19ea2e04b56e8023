"""Decoding stored events for a replay, straight from their JSON bytes.

A rebuild decodes every event of the log once; the library's mapper revives each value of
each event through its generic transcoder. This module knows from each event class's
annotations which keys hold typed values (ids, times, dates, order lines) and revives just
those, in place in what orjson parsed; a type it does not know, or a value not stored as
expected, sends that event through the library's mapper (`events.store`). Events no
projection reads are not decoded at all.

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

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import StrEnum
from functools import partial
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
# What the unit of work stamps on every event it stores, whatever its class declares (the
# actor: events.attribution): revived in every plan.
STAMPED = (("actor_id", *TYPED[UUID]),)
# (key, transcoding name, reviver of its "_data_"); no name: the reviver takes the whole
# value (a list) and raises Mismatch if it is not stored as expected.
Plan = tuple[tuple[str, str | None, Callable[[Any], Any]], ...]


class Mismatch(Exception):
    """A value not stored as its plan expects: the library's mapper decodes the event."""


def plan_of(cls: type) -> Plan | None:
    """How to revive the values of an event class (or a value object in one) that are not
    plain JSON; None if one is of a type this module does not know."""
    plan = []
    for key, hint in get_type_hints(cls).items():
        if key in ("originator_id", "originator_version") or get_origin(hint) is ClassVar:
            continue
        kind = _without_none(hint)
        if kind in JSON_SCALARS or _string_enum(kind):
            continue
        entry = _entry(kind)
        if entry is None:
            return None
        plan.append((key, *entry))
    return (*plan, *STAMPED)


def _string_enum(kind: Any) -> bool:
    """A StrEnum (order status, via): JSON holds it as its string, which the library reads
    back as that string, equal to the member; nothing to revive."""
    return isinstance(kind, type) and issubclass(kind, StrEnum)


def _without_none(hint: Any) -> Any:
    if get_origin(hint) in (Union, UnionType):
        kinds = [k for k in get_args(hint) if k is not type(None)]
        return kinds[0] if len(kinds) == 1 else hint
    return hint


def _entry(kind: Any) -> tuple[str | None, Callable[[Any], Any]] | None:
    """(transcoding name, reviver) for one annotation: a typed value, a value object (our
    DataclassAsDict transcoding, named by its class), or a tuple of either (stored as a
    JSON list, decoded as a list, as the library does)."""
    if kind in TYPED:
        return TYPED[kind]
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        plan = plan_of(kind)
        return None if plan is None else (kind.__qualname__, partial(_made, kind, plan))
    args = get_args(kind)
    if get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis:
        if args[0] in JSON_SCALARS:
            return None, partial(_items, None, None)
        inner = _entry(args[0])
        return None if inner is None else (None, partial(_items, *inner))
    return None


def _made(cls: type, plan: Plan, data: Any) -> Any:
    if type(data) is not dict or not revived(data, plan):
        raise Mismatch
    return cls(**data)


def _items(name: str | None, revive: Callable[[Any], Any] | None, value: Any) -> list[Any]:
    if type(value) is not list:
        raise Mismatch
    if revive is None:
        return value
    items = []
    for item in value:
        if type(item) is not dict or item.get("_type_") != name:
            raise Mismatch
        items.append(revive(item["_data_"]))
    return items


def revived(state: dict[str, Any], plan: Plan) -> bool:
    """Revive the typed values of an event's state in place; False if one is not stored as
    the plan expects (then the library's mapper decodes the event)."""
    try:
        for key, name, revive in plan:
            value = state.get(key)
            if value is None:
                continue
            if name is None:
                state[key] = revive(value)
            elif type(value) is not dict or value.get("_type_") != name:
                return False
            else:
                state[key] = revive(value["_data_"])
    except Mismatch:
        return False
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

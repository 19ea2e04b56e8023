"""The replay decoder (projections/decoding.py) reads stored events exactly as the library's
mapper does, for every event type of the domain, and takes its own path for each (not the
mapper's), so an upgrade of the library that changes the stored format or the mapper fails
here."""

import dataclasses
import importlib
import pkgutil
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import orjson
import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder, Mapper
from eventsourcing.utils import get_topic

import events
from events.attribution import Via, attribute
from events.item import Item
from events.order import Order, OrderStatus
from events.store import register_transcodings
from projections.decoding import ReplayDecoder, plan_of, revived

SCALARS: dict[Any, Any] = {str: "x", int: 3, bool: True, float: 1.5}


def domain_events() -> list[type]:
    for module in pkgutil.iter_modules(events.__path__):
        importlib.import_module(f"events.{module.name}")

    def below(cls: type) -> list[type]:
        subclasses: list[type] = cls.__subclasses__()
        return [c for sub in subclasses for c in (sub, *below(sub))]

    def named(cls: type) -> bool:
        """The class its module names (the library makes copies that a topic never names)."""
        found: Any = importlib.import_module(cls.__module__)
        for part in cls.__qualname__.split("."):
            found = getattr(found, part)
        return found is cls

    chosen = {c for c in below(Aggregate.Event) if c.__module__.startswith("events.") and named(c)}
    return sorted(chosen, key=lambda c: c.__qualname__)


def sample(hint: Any, nones: bool) -> Any:
    """A value of the annotated type (None for optional ones when `nones`)."""
    if get_origin(hint) in (Union, UnionType):
        if nones:
            return None
        return sample(next(a for a in get_args(hint) if a is not type(None)), nones)
    if get_origin(hint) is tuple:
        return (sample(get_args(hint)[0], nones), sample(get_args(hint)[0], nones))
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return list(hint)[-1]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint(**{k: sample(h, nones) for k, h in get_type_hints(hint).items()})
    typed = {uuid.UUID: uuid.uuid4(), datetime: datetime.now(UTC), date: date(2027, 1, 31)}
    return typed.get(hint, SCALARS.get(hint))


def an_event(cls: type, nones: bool) -> Any:
    """An event with a value for each field, stamped with its actor (not when `nones`)."""
    hints = get_type_hints(cls)
    values = {f.name: sample(hints[f.name], nones) for f in dataclasses.fields(cls) if f.init}
    values.update(originator_id=uuid.uuid4(), originator_version=7)
    if "originator_topic" in values:
        values["originator_topic"] = get_topic(Item)
    event = cls(**values)
    if not nones:
        attribute(event, uuid.uuid4())
    return event


def library_mapper() -> Mapper[uuid.UUID]:
    transcoder = JSONTranscoder()  # the library's own decoding, not our faster one
    register_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


def as_row(stored: Any, position: int = 42) -> dict[str, Any]:
    return {
        "notification_id": position,
        "originator_id": stored.originator_id,
        "originator_version": stored.originator_version,
        "topic": stored.topic,
        "state": stored.state,
    }


@pytest.mark.parametrize("nones", [False, True])
@pytest.mark.parametrize("cls", domain_events(), ids=lambda c: c.__qualname__)
def test_every_event_type_decodes_as_the_librarys_mapper_decodes_it(cls: type, nones: bool) -> None:
    library = library_mapper()
    stored = library.to_stored_event(an_event(cls, nones))
    envelope = ReplayDecoder([cls]).decode(as_row(stored))
    expected = library.to_domain_event(stored)
    assert envelope.position == 42
    assert type(envelope.event) is type(expected)
    assert vars(envelope.event) == vars(expected)


@pytest.mark.parametrize("cls", domain_events(), ids=lambda c: c.__qualname__)
def test_every_event_type_is_stored_as_the_fast_path_expects(cls: type) -> None:
    plan = plan_of(cls)
    assert plan is not None, "a type the replay decoder does not know"
    stored = library_mapper().to_stored_event(an_event(cls, nones=False))
    assert revived(orjson.loads(stored.state), plan)


def test_the_hot_event_types_revive_only_their_typed_keys() -> None:
    assert [key for key, _, _ in plan_of(Item.StockAdjusted) or ()] == [
        "timestamp",
        "owner_id",
        "actor_id",
    ]
    assert [key for key, _, _ in plan_of(Order.Created) or ()] == [
        "timestamp",
        "owner_id",
        "lines",
        "actor_id",
    ]


def test_an_enum_is_stored_as_its_string_and_read_back_equal_to_its_member() -> None:
    event = an_event(Order.StatusChanged, nones=False)
    assert (event.status, event.via) == (OrderStatus.DECLINED, Via.DEVICE)
    stored = library_mapper().to_stored_event(event)
    assert orjson.loads(stored.state)["status"] == "declined"
    read = ReplayDecoder([Order.StatusChanged]).decode(as_row(stored)).event
    assert (read.status, read.via) == (OrderStatus.DECLINED, Via.DEVICE)


def test_older_versions_are_upcast_as_the_library_upcasts_them() -> None:
    library = library_mapper()
    stored = library.to_stored_event(an_event(Item.Revised, nones=True))
    old = orjson.loads(stored.state)
    for key in ("class_version", "category_id", "delta", "quantity"):
        old.pop(key, None)  # as version 1 stored it
    stored = dataclasses.replace(stored, state=orjson.dumps(old))
    event = ReplayDecoder([Item.Revised]).decode(as_row(stored)).event
    assert vars(event) == vars(library.to_domain_event(stored))
    assert (event.category_id, event.delta, event.quantity) == (None, None, None)


def test_events_no_projection_reads_are_not_wanted() -> None:
    stored = library_mapper().to_stored_event(an_event(Order.Deleted, nones=False))
    assert not ReplayDecoder([Item.StockAdjusted]).wants(as_row(stored))
    assert ReplayDecoder([Order.Deleted]).wants(as_row(stored))

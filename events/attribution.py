"""Who caused an event (API.md 12, attribution): every event records the acting account; the
supplies' events also record how the change came (`Via`).

The unit of work stamps `actor_id` on each new event just before it is stored, so no domain
method takes the actor as an argument: the aggregates decide what happened, the command
that ran them knows who asked. The attribute is part of the stored state (the library
stores an event's `vars()` and restores them on load); events stored before revision 3,
and events nobody caused (a system task), read None.

Library internals relied on (checked against eventsourcing 9.5.6): events are frozen
dataclasses with a `__dict__`; `Mapper.to_stored_event` encodes `vars(event)`, and
`Mapper.to_domain_event` restores the state with `__dict__.update`. Held by
tests/unit/test_attribution.py.
"""

from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from events.clock import Stamped


class Via(StrEnum):
    """How a change to the supplies came: the API, a sync push, an order applied to stock,
    or an order applied on a phone. Stored as its string (JSON holds a StrEnum as a str), so
    an event read back holds that string, which equals the member."""

    API = "api"
    SYNC = "sync"
    ORDER_APPLY = "order_apply"
    DEVICE = "device"


class Attributed(Stamped):
    """A base of every aggregate's events (stamped with the process's clock, too)."""

    actor_id: ClassVar[UUID | None] = None  # per event once stamped; None: nobody, or before


def attribute(event: Any, actor_id: UUID) -> None:
    """Stamp the acting account on a new event (frozen: set around the dataclass guard)."""
    object.__setattr__(event, "actor_id", actor_id)


def actor_of(event: Any) -> UUID | None:
    actor: UUID | None = getattr(event, "actor_id", None)
    return actor

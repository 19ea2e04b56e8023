"""The SyncConflict aggregate: a device's change the server could not take, kept for the family.

One aggregate per conflict, created once and never changed: it is a record, not a resource, so
the entity it concerns keeps its version (a conflict changes nothing in it) while its history
and the activity log show what the device wanted and what the server kept (API.md 8.5 c).
"""

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.attribution import Attributed

# Why the device's values were not taken.
CHANGED_ON_BOTH = "changed_on_both"  # the device and someone else changed the same field
NO_BASE = "no_base"  # nothing proves what the device started from: nothing is overwritten
DELETED = "deleted"  # removed on another device, and this device did not edit it
OUT_OF_RANGE = "insufficient_stock"  # the device's stock change would leave 0..999999
NAME_TAKEN = "name_taken"  # another category has the name
CATEGORY_GONE = "category_missing"  # the item's category does not exist (any more)
STATUS_BLOCKED = "invalid_transition"  # the order cannot move to the device's status


@dataclass(frozen=True)
class Clash:
    """One field: what the device sent and what the server kept, as display text."""

    field: str
    device: str | None
    server: str | None


class SyncConflict(Aggregate):
    class Event(Attributed, Aggregate.Event):
        owner_id: UUID

    class Recorded(Event, Aggregate.Created):
        session_id: UUID
        operation_id: str
        entity: str  # category | item | order
        entity_id: UUID
        entity_version: int  # the entity's version when the conflict was decided
        reason: str
        clashes: tuple[Clash, ...]

    def __init__(
        self,
        owner_id: UUID,
        session_id: UUID,
        operation_id: str,
        entity: str,
        entity_id: UUID,
        entity_version: int,
        reason: str,
        clashes: tuple[Clash, ...],
    ):
        self.owner_id = owner_id
        self.session_id = session_id
        self.operation_id = operation_id
        self.entity = entity
        self.entity_id = entity_id
        self.entity_version = entity_version
        self.reason = reason
        self.clashes = clashes

"""The Stocktake aggregate: a household counted its shelf (API.md 13 #4).

A record, created once and never changed, saved with the stock changes it caused (each an
Item.StockAdjusted with the reason `stocktake`): the drift between what the records said
and what was on the shelf stays known, item by item, with who counted and when.
"""

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.attribution import Attributed


@dataclass(frozen=True)
class Counted:
    """One item whose count differed from its records."""

    item_id: UUID
    name: str
    expected: int  # what the records said
    counted: int


class Stocktake(Aggregate):
    class Event(Attributed, Aggregate.Event):
        owner_id: UUID

    class Taken(Event, Aggregate.Created):
        adjusted: tuple[Counted, ...]
        unchanged: int  # items counted as recorded
        note: str | None

    def __init__(
        self, owner_id: UUID, adjusted: tuple[Counted, ...], unchanged: int, note: str | None
    ):
        self.owner_id = owner_id
        self.adjusted = adjusted
        self.unchanged = unchanged
        self.note = note

"""A stock-take (API.md 13 #4): the shelf counted, every difference set, all or nothing.

Each difference is recorded as a stock change with the reason `stocktake` (history and
activity show it; usage never counts it), with the Stocktake record of the count, all in
one transaction: an id the household does not have refuses the whole count, and a clash
with a concurrent change counts again against the state that won. The answer is the drift:
what the records said, what was counted."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from command.items.requests import StocktakeRequest
from command.results import Saved
from command.retry import retry_on_conflict
from command.unit_of_work import UnitOfWork
from events.attribution import Via
from events.item import Item
from events.stocktake import Counted, Stocktake
from events.usage import STOCKTAKE
from wire.planning import Drift, StocktakeOut


@dataclass(frozen=True, kw_only=True)
class TakeStock:
    owner_id: UUID
    counts: tuple[tuple[UUID, int], ...]  # (item, quantity counted), each item once
    note: str | None = None

    @classmethod
    def from_request(cls, body: StocktakeRequest, owner_id: UUID) -> "TakeStock":
        counts = tuple((count.item_id, count.quantity) for count in body.counts)
        return cls(owner_id=owner_id, counts=counts, note=body.note)


class CountedItemMissing(Exception):
    """A count names an item the household does not have (or no longer has)."""

    def __init__(self, item_ids: list[UUID]):
        super().__init__(f"Item not found: {', '.join(map(str, item_ids))}")


@retry_on_conflict
def take_stock(uow: UnitOfWork, cmd: TakeStock) -> Saved[Stocktake]:
    found = uow.get_many([item_id for item_id, _ in cmd.counts])
    missing = [i for i, _ in cmd.counts if not _owned(found.get(i), cmd.owner_id)]
    if missing:
        raise CountedItemMissing(missing)
    adjusted, changed = [], []
    for item_id, counted in cmd.counts:
        item: Item = found[item_id]
        if item.quantity != counted:
            adjusted.append(Counted(item_id, item.name, item.quantity, counted))
            item.set_stock(counted, STOCKTAKE, via=Via.API, note=cmd.note)
            changed.append(item)
    unchanged = len(cmd.counts) - len(adjusted)
    record = Stocktake(
        owner_id=cmd.owner_id, adjusted=tuple(adjusted), unchanged=unchanged, note=cmd.note
    )
    return Saved(record, uow.commit(record, *changed))


def stocktake_out(record: Stocktake) -> StocktakeOut:
    drift = [
        Drift(
            item_id=c.item_id,
            name=c.name,
            expected=c.expected,
            counted=c.counted,
            difference=c.counted - c.expected,
        )
        for c in record.adjusted
    ]
    return StocktakeOut(adjusted=drift, unchanged=record.unchanged)


def _owned(aggregate: Any, owner_id: UUID) -> bool:
    if not isinstance(aggregate, Item):
        return False
    return aggregate.owner_id == owner_id and not aggregate.is_deleted

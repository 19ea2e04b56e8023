"""A suggested order (API.md 13 #2): a pending order of what the forecast says to reorder.

The forecast is the read side's (usage is a projection): the composition root hands this
side a `Suggestions` source, which answers the items to order and how many of each. The
order is then made as any other (lines are snapshots of the items, numbered for the day)."""

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from command.orders.handlers import LineRequest, OrderedItemMissing, new_order, snapshot_line
from command.results import Saved
from command.retry import retry_on_conflict
from command.unit_of_work import UnitOfWork
from events.attribution import Via
from events.item import MAX_QUANTITY
from events.order import Order

MAX_LINES = 500  # as many as POST /orders takes: the most urgent first


class Suggestions(Protocol):
    async def __call__(
        self, household_id: UUID, within_days: int, cover_days: int | None
    ) -> list[tuple[UUID, int]]:
        """(item, suggested quantity > 0) for each item to order, the most urgent first."""
        ...


@dataclass(frozen=True, kw_only=True)
class OrderSuggested:
    owner_id: UUID
    lines: tuple[tuple[UUID, int], ...]  # (item, quantity), as the forecast suggested


@retry_on_conflict
def order_suggested(uow: UnitOfWork, cmd: OrderSuggested) -> Saved[Order]:
    """Items deleted since the forecast are left out; an order needs one line at least."""
    lines = []
    for item_id, quantity in cmd.lines[:MAX_LINES]:
        wanted = LineRequest(
            item_id=str(item_id), quantity=min(quantity, MAX_QUANTITY), overrides={}
        )
        if (line := snapshot_line(uow, cmd.owner_id, wanted)) is not None:
            lines.append(line)
    if not lines:
        raise OrderedItemMissing("every suggested item is gone")
    order, day, name = new_order(uow, cmd.owner_id, tuple(lines), via=Via.API)
    return Saved(order, uow.commit(order, day, name))

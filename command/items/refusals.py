"""How item commands refuse, over HTTP and in sync outcomes."""

from collections.abc import Mapping

from command.items.handlers import CategoryMissing
from command.items.responses import item_out
from command.items.stocktake import CountedItemMissing
from command.refusals import Refusal, Shape
from events.item import InsufficientStock, Item, ItemNotFound, StockLimitExceeded

REFUSALS: Mapping[type[Exception], Refusal] = {
    ItemNotFound: Refusal(404, "not_found", "Item not found"),
    CategoryMissing: Refusal(400, "bad_request", "Category not found"),
    CountedItemMissing: Refusal(400, "bad_request", None),
    InsufficientStock: Refusal(409, "insufficient_stock", "Not enough stock for this change"),
    StockLimitExceeded: Refusal(422, "validation_error", "Quantity cannot exceed 999999"),
}
SHAPES: Mapping[type, Shape] = {Item: item_out}
FEATURE = (REFUSALS, SHAPES)

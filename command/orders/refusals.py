"""How order commands refuse, over HTTP and in sync outcomes."""

from collections.abc import Mapping

from command.orders.handlers import OrderedItemMissing
from command.orders.responses import order_out
from command.refusals import Refusal, Shape
from events.order import AlreadyApplied, InvalidTransition, Order, OrderNotFound

REFUSALS: Mapping[type[Exception], Refusal] = {
    OrderNotFound: Refusal(404, "not_found", "Order not found"),
    OrderedItemMissing: Refusal(400, "bad_request", "Item not found"),
    InvalidTransition: Refusal(409, "invalid_transition", None),
    AlreadyApplied: Refusal(409, "already_applied", "Order has already been applied to stock"),
}
SHAPES: Mapping[type, Shape] = {Order: order_out}
FEATURE = (REFUSALS, SHAPES)

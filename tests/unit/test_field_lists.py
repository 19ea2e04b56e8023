"""One source for the item's and the order line's fields: `DETAIL_FIELDS` and `OrderLine`
(events/). Every other place that spells them out (events, requests, responses, read-table
columns, examples) is checked against that source, so a field added in one place and
forgotten in another fails here instead of vanishing on the way to a phone."""

import dataclasses
import inspect

from command.items.requests import ItemCreate, ItemFields, ItemUpdate
from command.orders.requests import OrderItemIn
from events.item import DETAIL_FIELDS, Item
from events.order import OrderLine
from projections.items import ItemsProjection
from projections.orders import LINE_COLUMNS
from wire import examples
from wire.items import ItemOut
from wire.orders import OrderItemOut

DETAILS = set(DETAIL_FIELDS)
# What an item has besides its details: identity, placement, stock and bookkeeping.
ITEM_STATE = {"category_id", "local_id", "quantity"}
ITEM_ROW = {"id", "owner_id", "version", "created_at", "updated_at"}
LINE = {f.name for f in dataclasses.fields(OrderLine)}


def annotations(cls: type) -> set[str]:
    return {n for klass in cls.__mro__ for n in getattr(klass, "__annotations__", {})}


def test_the_item_events_and_aggregate_carry_every_detail() -> None:
    assert annotations(Item.Created) - {"originator_id", "originator_version", "timestamp"} >= (
        DETAILS | ITEM_STATE
    )
    assert annotations(Item.Revised) >= DETAILS
    assert set(inspect.signature(Item.__init__).parameters) - {"self", "owner_id", "via"} == (
        DETAILS | ITEM_STATE
    )


def test_requests_accept_every_detail() -> None:
    assert DETAILS - set(ItemFields.model_fields) <= set(ItemCreate.model_fields)
    assert set(ItemCreate.model_fields) >= DETAILS | ITEM_STATE
    assert DETAILS | {"category_id", "quantity"} <= set(ItemUpdate.model_fields)


def test_the_response_the_read_table_and_the_example_hold_exactly_the_item() -> None:
    assert set(ItemOut.model_fields) == DETAILS | ITEM_STATE | ITEM_ROW - {"owner_id"}
    assert set(ItemsProjection.columns) == DETAILS | ITEM_STATE | ITEM_ROW
    assert {ItemOut.model_fields[k].alias or k for k in ItemOut.model_fields} == set(examples.ITEM)


def test_an_order_line_is_the_same_fields_everywhere() -> None:
    assert set(OrderItemOut.model_fields) == LINE | {"order_id"}
    assert set(LINE_COLUMNS) == LINE | {"order_id", "position"}
    assert set(OrderItemIn.model_fields) == LINE - {"id"}
    aliases = {OrderItemOut.model_fields[k].alias or k for k in OrderItemOut.model_fields}
    assert aliases == set(examples.ORDER_LINE)

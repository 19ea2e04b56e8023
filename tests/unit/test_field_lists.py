"""One source for the item's and the order line's fields: `ItemDetails` (its `DETAIL_FIELDS`)
and `OrderLine` (events/). Every other place that spells them out (events, edits, requests,
responses, read-table columns, examples) is checked against that source, so a field added in
one place and forgotten in another fails here instead of vanishing on the way to a phone."""

import dataclasses
import inspect
import uuid

from command.categories.handlers import CreateCategory, ReviseCategory
from command.categories.requests import CategoryCreate, CategoryUpdate
from command.items.requests import ItemCreate, ItemFields, ItemUpdate
from command.orders.requests import OrderItemIn
from events.category import REVISABLE, CategoryEdit
from events.item import DETAIL_FIELDS, Item, ItemDetails, ItemEdit
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


# Every detail, none at its default: a detail a request forgets to hand on shows.
EVERY_DETAIL = {
    "name": "Suction catheter",
    "description": "12 Fr",
    "unit": "boxes",
    "minimumStock": 3,
    "expiryDate": "2027-06-30",
    "brand": "Romsons",
    "notes": "fridge",
    "supplierName": "City Medicals",
    "supplierContact": "+91 98765 43210",
    "purchaseLink": "https://example.com/catheter",
    "imageUri": "file:///catheter.png",
    "isActive": False,
    "isCritical": True,
    "leadTimeDays": 4,
}


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


def test_an_edit_names_every_detail() -> None:
    assert set(vars(ItemEdit())) == DETAILS | {"cleared"}
    assert set(vars(CategoryEdit())) == set(REVISABLE) | {"cleared"}


def test_a_request_hands_every_detail_to_its_command() -> None:
    create = ItemCreate.model_validate({**EVERY_DETAIL, "categoryId": str(uuid.uuid4())})
    sent = {f: getattr(create, f) for f in DETAIL_FIELDS}
    defaults = ItemDetails(name="")
    assert all(sent[f] != getattr(defaults, f) for f in DETAIL_FIELDS)
    assert vars(create.details()) == sent
    assert vars(ItemUpdate.model_validate(EVERY_DETAIL).edit()) == {**sent, "cleared": ()}


def test_a_category_request_hands_every_field_to_its_command() -> None:
    wanted = {"name": "Airway", "description": "tubes", "displayOrder": 2, "isDefault": True}
    made = CreateCategory.from_request(CategoryCreate.model_validate(wanted), uuid.uuid4())
    changed = ReviseCategory.from_request(
        CategoryUpdate.model_validate(wanted), uuid.uuid4(), uuid.uuid4(), None
    )
    sent = {"name": "Airway", "description": "tubes", "display_order": 2, "is_default": True}
    assert (vars(made.details), vars(changed.edit)) == (sent, {**sent, "cleared": ()})


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

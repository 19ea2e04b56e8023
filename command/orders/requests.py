"""Request bodies of the order commands (API.md 2.4 and 6.3)."""

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from command.preconditions import ExpectedVersion
from events.item import MAX_QUANTITY
from wire import examples
from wire.base import WireModel

Short = Annotated[str, StringConstraints(max_length=255)]
Text = Annotated[str, StringConstraints(max_length=1000)]
Count = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
Status = Literal[
    "pending", "ordered", "partially_received", "received", "stock_updated", "declined"
]


class OrderItemIn(WireModel):
    """A line; anything not given is copied from the item. Client ids and totals are ignored."""

    model_config = ConfigDict(strict=True)

    item_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
        | None
    ) = None
    brand: Short | None = None
    unit: Annotated[str, StringConstraints(max_length=50)] | None = None
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)] = 1
    current_stock: Count | None = None
    minimum_stock: Count | None = None
    category_name: Short | None = None
    supplier_name: Short | None = None
    purchase_link: Annotated[str, StringConstraints(max_length=500)] | None = None
    image_uri: Annotated[str, StringConstraints(max_length=500)] | None = None
    is_essential: bool = False
    notes: Text | None = None


class OrderCreate(WireModel):
    model_config = examples.example(examples.ORDER_CREATE, strict=True)

    items: list[OrderItemIn] = Field(min_length=1, max_length=500)
    notes: Text | None = None
    local_id: Annotated[str, StringConstraints(max_length=36)] | None = None


class StatusChange(WireModel):
    model_config = examples.example(examples.STATUS_CHANGE, strict=True)

    status: Status
    notes: Text | None = None
    expected_version: ExpectedVersion = None


class SuggestRequest(WireModel):
    """POST /orders/suggested (API.md 13 #2); no body: the defaults."""

    model_config = examples.example(examples.SUGGEST, strict=True)

    within_days: Annotated[int, Field(ge=0, le=365)] = 14
    cover_days: Annotated[int, Field(ge=1, le=365)] | None = None  # None: the household's

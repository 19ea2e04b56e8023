"""Request bodies of the item commands (API.md 2.3, 5.1 and 5.3)."""

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from command.preconditions import ExpectedVersion
from events.item import MAX_QUANTITY, ItemDetails, ItemEdit
from wire import examples
from wire.base import WireModel
from wire.sanitize import blank_to_none, clean_contact, clean_markup


def _web_link(value: str) -> str:
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError("purchaseLink must start with http:// or https://")
    return value


Name = Annotated[
    str, BeforeValidator(clean_markup), StringConstraints(min_length=1, max_length=255)
]
Text = Annotated[str, StringConstraints(max_length=1000)]
Short = Annotated[str, StringConstraints(max_length=255)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
Contact = Annotated[str, StringConstraints(max_length=255), AfterValidator(clean_contact)]
Link = Annotated[
    Annotated[str, StringConstraints(max_length=500), AfterValidator(_web_link)] | None,
    BeforeValidator(blank_to_none),
]
ImageUri = Annotated[str, StringConstraints(max_length=500)]
LocalId = Annotated[str, StringConstraints(max_length=36)]
LeadTime = Annotated[int, Field(ge=0, le=365)]  # days (API.md 13)


class ItemFields(WireModel):
    """Everything an item carries besides its category; strict types, camel or snake case."""

    model_config = ConfigDict(strict=True)

    description: Text | None = None
    brand: Short | None = None
    notes: Text | None = None
    supplier_name: Short | None = None
    supplier_contact: Contact | None = None
    purchase_link: Link = None
    image_uri: ImageUri | None = None
    expiry_date: date | None = Field(None, strict=False)  # "YYYY-MM-DD" from JSON
    lead_time_days: LeadTime | None = None  # null: the household's


class ItemCreate(ItemFields):
    model_config = examples.example(examples.ITEM_CREATE)

    category_id: UUID = Field(strict=False)
    name: Name
    local_id: LocalId | None = None
    quantity: Quantity = 0
    unit: Unit = "pieces"
    minimum_stock: Quantity = 0
    is_active: bool = True
    is_critical: bool = False

    def details(self) -> ItemDetails:
        return ItemDetails(
            name=self.name,
            description=self.description,
            unit=self.unit,
            minimum_stock=self.minimum_stock,
            expiry_date=self.expiry_date,
            brand=self.brand,
            notes=self.notes,
            supplier_name=self.supplier_name,
            supplier_contact=self.supplier_contact,
            purchase_link=self.purchase_link,
            image_uri=self.image_uri,
            is_active=self.is_active,
            is_critical=self.is_critical,
            lead_time_days=self.lead_time_days,
        )


class ItemUpdate(ItemFields):
    """Partial update: absent or null leaves a field as it is (reference behaviour)."""

    model_config = examples.example(examples.ITEM_UPDATE)

    category_id: UUID | None = Field(None, strict=False)
    name: Name | None = None
    quantity: Quantity | None = None
    unit: Unit | None = None
    minimum_stock: Quantity | None = None
    is_active: bool | None = None
    is_critical: bool | None = None
    expected_version: ExpectedVersion = None

    def edit(self) -> ItemEdit:
        return ItemEdit(
            name=self.name,
            description=self.description,
            unit=self.unit,
            minimum_stock=self.minimum_stock,
            expiry_date=self.expiry_date,
            brand=self.brand,
            notes=self.notes,
            supplier_name=self.supplier_name,
            supplier_contact=self.supplier_contact,
            purchase_link=self.purchase_link,
            image_uri=self.image_uri,
            is_active=self.is_active,
            is_critical=self.is_critical,
            lead_time_days=self.lead_time_days,
            cleared=self._cleared(),
        )

    def _cleared(self) -> tuple[str, ...]:
        """Details sent as null that null means something for: an item's lead time goes back
        to the household's. Any other null leaves its field as it is (API.md 5.1)."""
        sent_null = "lead_time_days" in self.model_fields_set and self.lead_time_days is None
        return ("lead_time_days",) if sent_null else ()


class StockChange(WireModel):
    """Exactly one of an absolute `quantity` or a signed `delta`."""

    model_config = examples.example(examples.STOCK_CHANGE, strict=True)

    quantity: Quantity | None = None
    delta: Annotated[int, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)] | None = None
    reason: Annotated[str, StringConstraints(max_length=255)] | None = None
    expected_version: ExpectedVersion = None

    @model_validator(mode="after")
    def _one_of_quantity_or_delta(self) -> "StockChange":
        if (self.quantity is None) == (self.delta is None):
            raise ValueError("Send exactly one of quantity or delta")
        if self.delta == 0:
            raise ValueError("delta must not be zero")
        return self


class Count(WireModel):
    model_config = ConfigDict(strict=True)

    item_id: UUID = Field(strict=False)
    quantity: Quantity  # what is on the shelf


class StocktakeRequest(WireModel):
    """POST /items/stocktake (API.md 13 #4): each item counted once."""

    model_config = examples.example(examples.COUNT, strict=True)

    counts: list[Count] = Field(min_length=1, max_length=1000)
    note: Short | None = None

    @model_validator(mode="after")
    def _each_item_once(self) -> "StocktakeRequest":
        if len({c.item_id for c in self.counts}) != len(self.counts):
            raise ValueError("Count each item once")
        return self

"""Order shapes (API.md 2.4 and 6)."""

from datetime import datetime
from uuid import UUID

from wire import examples
from wire.base import WireModel


class OrderItemOut(WireModel):
    id: UUID
    order_id: UUID  # the parent order's uuid, not its human id
    item_id: UUID
    name: str
    brand: str | None
    unit: str
    quantity: int
    current_stock: int
    minimum_stock: int
    category_name: str | None
    supplier_name: str | None
    purchase_link: str | None
    image_uri: str | None
    is_essential: bool
    notes: str | None


class OrderOut(WireModel):
    model_config = examples.example(examples.ORDER)

    id: UUID
    order_id: str  # the human id, ORD-YYYYMMDD-NNNN
    user_id: UUID
    local_id: str | None
    status: str
    total_items: int
    total_units: int
    items: list[OrderItemOut]
    notes: str | None
    exported_at: datetime
    ordered_at: datetime | None
    received_at: datetime | None
    applied_at: datetime | None
    declined_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class OrderPage(WireModel):
    orders: list[OrderOut]
    total: int
    page: int
    page_size: int
    has_more: bool

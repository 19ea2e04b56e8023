"""Item shapes (API.md 2.3 and 5), shared by the command and query sides."""

from datetime import date, datetime
from uuid import UUID

from wire import examples
from wire.base import WireModel


class ItemOut(WireModel):
    model_config = examples.example(examples.ITEM)

    id: UUID
    category_id: UUID
    local_id: str | None
    name: str
    description: str | None
    quantity: int
    unit: str
    minimum_stock: int
    expiry_date: date | None
    brand: str | None
    notes: str | None
    supplier_name: str | None
    supplier_contact: str | None
    purchase_link: str | None
    image_uri: str | None
    is_active: bool
    is_critical: bool
    lead_time_days: int | None  # days from ordering to delivery; null: the household's
    version: int
    created_at: datetime
    updated_at: datetime


class ItemPage(WireModel):
    items: list[ItemOut]
    total: int
    page: int
    page_size: int
    has_more: bool


class NeedsAttention(WireModel):
    items: list[ItemOut]
    total: int
    out_of_stock_count: int
    low_stock_count: int


class ItemStats(WireModel):
    model_config = examples.example(examples.STATS)

    total_items: int
    total_categories: int
    out_of_stock_count: int
    low_stock_count: int
    critical_items: int
    pending_orders_count: int

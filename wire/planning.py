"""Supply planning's shapes (API.md 13): forecast, expiring items, suggested order, stock-take."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from wire import examples
from wire.base import WireModel
from wire.orders import OrderOut

Status = Literal["out", "reorder_now", "low", "reorder_soon"]


class PlannedItem(WireModel):
    id: UUID
    name: str
    category_id: UUID
    quantity: int
    unit: str
    minimum_stock: int
    is_critical: bool
    lead_time_days: int | None  # the item's own; null: the household's


class ForecastEntry(WireModel):
    item: PlannedItem
    daily_usage: float | None  # 2 decimals, half up; null: no use within the window
    days_left: int | None
    run_out_on: date | None
    reorder_by: date | None
    suggested_quantity: int
    status: Status


class ForecastOut(WireModel):
    model_config = examples.example(examples.FORECAST)

    items: list[ForecastEntry]
    generated_at: datetime


class ExpiringItem(PlannedItem):
    expiry_date: date


class ExpiringEntry(WireModel):
    item: ExpiringItem
    days_to_expiry: int  # < 0: expired that many days ago
    expired: bool


class ExpiringOut(WireModel):
    model_config = examples.example(examples.EXPIRING)

    items: list[ExpiringEntry]
    total: int


class SuggestedOrderOut(WireModel):
    model_config = examples.example(examples.SUGGESTED)

    order: OrderOut | None  # null: nothing needs ordering


class Drift(WireModel):
    item_id: UUID
    name: str
    expected: int  # what the household's records said
    counted: int
    difference: int  # counted - expected


class StocktakeOut(WireModel):
    model_config = examples.example(examples.STOCKTAKE)

    adjusted: list[Drift]
    unchanged: int  # items counted as recorded

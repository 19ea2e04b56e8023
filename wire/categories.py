"""Category shapes (API.md 2.2 and 4)."""

from datetime import datetime
from uuid import UUID

from wire import examples
from wire.base import WireModel


class CategoryOut(WireModel):
    model_config = examples.example(examples.CATEGORY)

    id: UUID
    local_id: str | None
    name: str
    description: str | None
    display_order: int
    is_default: bool
    version: int
    created_at: datetime
    updated_at: datetime


class CategoryList(WireModel):
    categories: list[CategoryOut]
    total: int


class CategoryWithCount(CategoryOut):
    item_count: int  # active items


class CategoryCountList(WireModel):
    categories: list[CategoryWithCount]
    total: int


class CountOut(WireModel):
    count: int

"""Activity and history shapes (API.md 7)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from wire import examples
from wire.base import WireModel
from wire.households import Person


class ActivityEntry(WireModel):
    model_config = examples.example(examples.ACTIVITY)

    id: int
    action: str
    entity_type: str
    entity_id: UUID | None
    item_name: str | None
    item_id: UUID | None
    order_id: str | None  # the human order id
    details: str
    timestamp: datetime
    actor: Person | None = None  # who did it (API.md 12); null: the system, or before


class ActivityPage(WireModel):
    entries: list[ActivityEntry]
    total: int
    page: int
    page_size: int
    has_more: bool


class Activities(WireModel):
    """GET /activities (API.md 7.3, the newer app)."""

    activities: list[ActivityEntry]
    total: int


class Actor(WireModel):
    user_id: UUID | None  # null once the member's account is erased
    name: str  # "Former member" then
    via: str


class HistoryEntry(WireModel):
    model_config = examples.example(examples.HISTORY)

    position: int
    type: str
    version: int
    occurred_at: datetime
    actor: Actor
    change: dict[str, Any] | None


class HistoryPage(WireModel):
    entries: list[HistoryEntry]
    total: int
    page: int
    page_size: int
    has_more: bool

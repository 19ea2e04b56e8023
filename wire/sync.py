"""Sync shapes (API.md 8), shared by the push route (command side) and the pull route."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from wire import examples
from wire.base import WireModel
from wire.categories import CategoryOut
from wire.items import ItemOut
from wire.orders import OrderOut

MAX_OPERATIONS = 500
Limit = Annotated[int, Field(ge=1, le=1000)]


class OperationIn(WireModel):
    """One client operation; unknown types or entities are answered per operation."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    type: Annotated[str, StringConstraints(max_length=50)]
    entity: Annotated[str, StringConstraints(max_length=50)]
    entity_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    local_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    data: dict[str, Any] | None = None
    timestamp: datetime | None = None  # informational
    retry_count: int = Field(0, ge=0, le=2_147_483_647)  # informational
    base_version: int | None = Field(None, ge=1, le=2**53)


class PushIn(WireModel):
    model_config = examples.example(examples.PUSH)

    operations: list[OperationIn] = Field(default_factory=list, max_length=MAX_OPERATIONS)
    mode: Literal["ops"] | None = None
    last_sync_at: datetime | None = None  # informational


class PullIn(WireModel):
    model_config = examples.example(examples.PULL)

    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: Limit = 500
    last_sync_at: datetime | None = None
    include_deleted: bool = True


class FullIn(PushIn):
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: Limit = 500
    include_deleted: bool = True


class ResultOut(WireModel):
    operation_id: str
    id: str
    status: str
    success: bool
    entity_id: str | None
    server_id: str | None
    server_version: int | None
    error: dict[str, Any] | None


class PushOut(WireModel):
    model_config = examples.example(examples.PUSHED)

    results: list[ResultOut]
    success_count: int
    error_count: int
    server_time: datetime
    cursor: str


class PullOut(WireModel):
    model_config = examples.example(examples.PULLED)

    categories: list[CategoryOut]
    items: list[ItemOut]
    orders: list[OrderOut]
    deleted_ids: list[str]
    server_time: datetime
    has_more: bool
    next_cursor: str
    events: list[dict[str, Any]]


class FullOut(PullOut):
    push_results: list[ResultOut]
    push_success_count: int
    push_error_count: int

"""GET /activity and /activities: the owner's activity log, newest first."""

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from infra.deps import CurrentMember, PoolDep
from query.activity import queries
from query.params import MAX_OFFSET, Paging, Window, either, parse_query, query_parameters
from wire.activity import Activities, ActivityPage
from wire.errors import AUTHENTICATED, MEMBER, problems

router = APIRouter(prefix="/api/v1", tags=["activity"], responses=problems(*AUTHENTICATED, *MEMBER))


class ActivityQuery(Paging):
    entity_type: Literal["category", "item", "order", "user", "sync"] | None = Field(
        None, validation_alias=either("entityType", "entity_type")
    )
    entity_id: UUID | None = Field(None, validation_alias=either("entityId", "entity_id"))
    action: str | None = Field(None, max_length=64)
    since: datetime | None = None
    until: datetime | None = None


@router.get("/activity", response_model=ActivityPage, openapi_extra=query_parameters(ActivityQuery))
async def activity(request: Request, user: CurrentMember, pool: PoolDep) -> ActivityPage:
    q = parse_query(request, ActivityQuery)
    window = Window.of(q)
    f = queries.ActivityFilter(q.entity_type, q.entity_id, q.action, _utc(q.since), _utc(q.until))
    entries, total = await queries.activity(pool, user.household_id, f, window)
    return ActivityPage(entries=entries, **window.envelope(total))


class ActivitiesQuery(BaseModel):
    """The newer app's shape (API.md 7.3): `limit` and `offset`."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(50, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get(
    "/activities", response_model=Activities, openapi_extra=query_parameters(ActivitiesQuery)
)
async def activities(request: Request, user: CurrentMember, pool: PoolDep) -> Activities:
    q = parse_query(request, ActivitiesQuery)
    window = Window.at(q.offset, q.limit)
    entries, total = await queries.activity(
        pool, user.household_id, queries.ActivityFilter(), window
    )
    return Activities(activities=entries, total=total)


def _utc(moment: datetime | None) -> datetime | None:
    """Timestamps without an offset are UTC (API.md 1.1)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment

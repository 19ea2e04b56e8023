"""GET /items/forecast and GET /items/expiring (API.md 13 #1 and #3): any member may read."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from infra.deps import ClockDep, CurrentMember, PoolDep
from query.params import either, parse_query, query_parameters
from query.planning.queries import expiring_of, forecast_of
from query.planning.rules import Expiry, Forecast
from query.responses import RawJSON, json_response
from wire.errors import AUTHENTICATED, MEMBER, problems
from wire.planning import ExpiringItem, ExpiringOut, ForecastOut, PlannedItem
from wire.render import shape

router = APIRouter(
    prefix="/api/v1/items", tags=["items"], responses=problems(*AUTHENTICATED, *MEMBER)
)

PLANNED, EXPIRING = shape(PlannedItem), shape(ExpiringItem)


def within_days(default: int, most: int, what: str) -> Any:
    return Field(
        default,
        ge=0,
        le=most,
        validation_alias=either("withinDays", "within_days"),
        description=what,
    )


class ForecastQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    within_days: int = within_days(
        14, 365, "Days ahead: what runs out within them is listed (besides what is out or low)."
    )


class ExpiringQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    within_days: int = within_days(
        30, 3650, "Days ahead: what expires within them is listed (and what has expired)."
    )


@router.get("/forecast", response_model=ForecastOut, openapi_extra=query_parameters(ForecastQuery))
async def forecast(
    request: Request, user: CurrentMember, pool: PoolDep, clock: ClockDep
) -> RawJSON:
    within = parse_query(request, ForecastQuery).within_days
    now = clock.now()
    listed = await forecast_of(pool, user.household_id, now, within)
    return json_response({"items": [forecast_entry(f) for f in listed], "generatedAt": now})


@router.get("/expiring", response_model=ExpiringOut, openapi_extra=query_parameters(ExpiringQuery))
async def expiring(
    request: Request, user: CurrentMember, pool: PoolDep, clock: ClockDep
) -> RawJSON:
    within = parse_query(request, ExpiringQuery).within_days
    found = await expiring_of(pool, user.household_id, clock.now(), within)
    return json_response({"items": [expiring_entry(e) for e in found], "total": len(found)})


def forecast_entry(f: Forecast) -> dict[str, Any]:
    """A forecast in its wire shape (ForecastEntry), built straight from the values."""
    return {
        "item": {wire: getattr(f.supply, key) for key, wire in PLANNED},
        "dailyUsage": f.usage.daily if f.usage is not None else None,
        "daysLeft": f.days_left,
        "runOutOn": f.run_out_on,
        "reorderBy": f.reorder_by,
        "suggestedQuantity": f.suggested_quantity,
        "status": f.status,
    }


def expiring_entry(e: Expiry) -> dict[str, Any]:
    return {
        "item": {wire: getattr(e.supply, key) for key, wire in EXPIRING},
        "daysToExpiry": e.days_to_expiry,
        "expired": e.expired,
    }

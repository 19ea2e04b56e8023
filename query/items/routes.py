"""GET /items, /items/stats, /items/low-stock (alias /items/needs-attention), /items/{id},
/items/{id}/history."""

from uuid import UUID

import orjson
from fastapi import APIRouter, Request
from pydantic import Field

from infra.deps import CurrentMember, PoolDep
from query.activity.queries import item_history
from query.items import queries
from query.params import Paging, Window, either, parse_query, query_parameters
from query.responses import RawJSON, json_response
from wire.activity import HistoryPage
from wire.errors import AUTHENTICATED, MEMBER, etag, problems
from wire.ids import path_id
from wire.items import ItemOut, ItemPage, ItemStats, NeedsAttention
from wire.problems import Problem

router = APIRouter(
    prefix="/api/v1/items", tags=["items"], responses=problems(*AUTHENTICATED, *MEMBER)
)


class ItemQuery(Paging):
    category_id: UUID | None = Field(None, validation_alias=either("categoryId", "category_id"))
    is_active: bool | None = Field(None, validation_alias=either("isActive", "is_active"))
    is_critical: bool | None = Field(None, validation_alias=either("isCritical", "is_critical"))
    low_stock_only: bool = Field(
        False, validation_alias=either("lowStockOnly", "low_stock_only", "low_stock", "lowStock")
    )
    out_of_stock_only: bool = Field(
        False,
        validation_alias=either(
            "outOfStockOnly", "out_of_stock_only", "out_of_stock", "outOfStock"
        ),
    )
    search: str | None = Field(None, max_length=100)


@router.get("", response_model=ItemPage, openapi_extra=query_parameters(ItemQuery))
async def list_items(request: Request, user: CurrentMember, pool: PoolDep) -> RawJSON:
    q = parse_query(request, ItemQuery)
    window = Window.of(q)
    item_filter = queries.ItemFilter(
        q.category_id, q.is_active, q.is_critical, q.low_stock_only, q.out_of_stock_only, q.search
    )
    items, total = await queries.item_page_json(pool, user.household_id, item_filter, window)
    return json_response({"items": orjson.Fragment(items), **window.wire_envelope(total)})


@router.get("/stats", response_model=ItemStats)
async def stats(user: CurrentMember, pool: PoolDep) -> RawJSON:
    return json_response(await queries.item_stats(pool, user.household_id))


@router.get("/low-stock", response_model=NeedsAttention)
@router.get("/needs-attention", response_model=NeedsAttention)
async def low_stock(user: CurrentMember, pool: PoolDep) -> RawJSON:
    return json_response(await queries.needs_attention(pool, user.household_id))


@router.get("/{item_id}", response_model=ItemOut, responses={**problems("not_found"), **etag()})
async def get_item(item_id: str, user: CurrentMember, pool: PoolDep) -> RawJSON:
    found = await queries.item_by_id(pool, user.household_id, path_id(item_id, "Item"))
    if found is None:
        raise Problem(404, "not_found", "Item not found")
    return json_response(found, {"ETag": f'"{found["version"]}"'})


@router.get(
    "/{item_id}/history",
    response_model=HistoryPage,
    responses=problems("not_found"),
    openapi_extra=query_parameters(Paging),
)
async def history(
    item_id: str, request: Request, user: CurrentMember, pool: PoolDep
) -> HistoryPage:
    window = Window.of(parse_query(request, Paging))
    entries, total = await item_history(pool, user.household_id, path_id(item_id, "Item"), window)
    if total == 0:
        raise Problem(404, "not_found", "Item not found")
    return HistoryPage(entries=entries, **window.envelope(total))

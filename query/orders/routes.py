"""GET /orders and /orders/{id} (uuid or human order id)."""

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import Field

from infra.deps import CurrentMember, PoolDep
from query.orders import queries
from query.params import Paging, Window, either, parse_query, query_parameters
from wire.errors import AUTHENTICATED, MEMBER, etag, problems
from wire.orders import OrderOut, OrderPage
from wire.problems import Problem

router = APIRouter(
    prefix="/api/v1/orders", tags=["orders"], responses=problems(*AUTHENTICATED, *MEMBER)
)

Status = Literal[
    "pending", "ordered", "partially_received", "received", "stock_updated", "declined"
]


class OrderQuery(Paging):
    page_size: int = Field(20, ge=1, le=100, validation_alias=either("pageSize", "page_size"))
    status: Status | None = None


@router.get("", response_model=OrderPage, openapi_extra=query_parameters(OrderQuery))
async def list_orders(request: Request, user: CurrentMember, pool: PoolDep) -> OrderPage:
    q = parse_query(request, OrderQuery)
    window = Window.of(q)
    orders, total = await queries.list_orders(pool, user.household_id, q.status, window)
    return OrderPage(orders=orders, **window.envelope(total))


@router.get("/{order_ref}", response_model=OrderOut, responses={**problems("not_found"), **etag()})
async def get_order(
    order_ref: str, user: CurrentMember, pool: PoolDep, response: Response
) -> OrderOut:
    found = await queries.order_by_ref(pool, user.household_id, order_ref)
    if found is None:
        raise Problem(404, "not_found", "Order not found")
    response.headers["ETag"] = f'"{found.version}"'
    return found

"""POST /orders, POST /orders/suggested, PATCH /orders/{id}/status, POST /orders/{id}/apply,
DELETE /orders/{id}.

`{id}` is the order's uuid or its human id (ORD-YYYYMMDD-NNNN).
"""

from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from command.deps import KeyedCommandsDep
from command.orders import handlers
from command.orders.requests import OrderCreate, StatusChange, SuggestRequest
from command.orders.responses import deleted_message, order_out
from command.orders.suggested import OrderSuggested, Suggestions, order_suggested
from command.preconditions import ExpectedVersionQuery, IfMatch, expected_version
from infra.deps import Writer, services_of
from wire.base import MessageOut
from wire.errors import AUTHENTICATED, KEYED, MEMBER, WITH_BODY, etag, problems
from wire.orders import OrderOut
from wire.planning import SuggestedOrderOut

router = APIRouter(
    prefix="/api/v1/orders",
    tags=["orders"],
    responses=problems(*AUTHENTICATED, *MEMBER, *WITH_BODY),
)


class WithSuggestions(Protocol):
    """What the order routes take from the app's services (vitaltrack/services.py)."""

    suggestions: Suggestions  # the read side's forecast


async def _suggestions(request: Request) -> Suggestions:
    services: WithSuggestions = services_of(request.app)
    return services.suggestions


SuggestionsDep = Annotated[Suggestions, Depends(_suggestions)]


@router.post(
    "",
    status_code=201,
    response_model=OrderOut,
    responses={**problems(*KEYED, "bad_request"), **etag(201)},
)
async def create_order(body: OrderCreate, user: Writer, commands: KeyedCommandsDep) -> JSONResponse:
    cmd = handlers.CreateOrder.from_request(body, user.household_id)
    return await commands.respond(
        handlers.create_order, cmd, view=order_out, owner=user.user_id, status=201
    )


@router.post(
    "/suggested",
    status_code=201,
    response_model=SuggestedOrderOut,
    responses={
        200: {"model": SuggestedOrderOut, "description": "Nothing needs ordering: `order` is null"},
        **problems(*KEYED, *MEMBER, "bad_request"),
    },
)
async def suggested_order(
    user: Writer,
    commands: KeyedCommandsDep,
    suggest: SuggestionsDep,
    body: SuggestRequest | None = None,
) -> JSONResponse:
    """A pending order of every item the forecast (`withinDays`) says to reorder, each for its
    suggested quantity (`coverDays` days of cover besides the lead time)."""
    wanted = body or SuggestRequest()
    lines = await suggest(user.household_id, wanted.within_days, wanted.cover_days)
    if not lines:
        return await commands.idempotent(user.user_id, _nothing_to_order)
    cmd = OrderSuggested(owner_id=user.household_id, lines=tuple(lines))
    return await commands.respond(
        order_suggested, cmd, view=_suggested, owner=user.user_id, status=201
    )


async def _nothing_to_order() -> tuple[int, Any]:
    return 200, {"order": None}


def _suggested(order: Any) -> SuggestedOrderOut:
    return SuggestedOrderOut(order=order_out(order))


@router.patch(
    "/{order_ref}/status",
    response_model=OrderOut,
    responses={
        **problems(*KEYED, "not_found", "invalid_transition", "version_conflict"),
        **etag(),
    },
)
async def change_status(
    order_ref: str,
    body: StatusChange,
    user: Writer,
    commands: KeyedCommandsDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    cmd = handlers.ChangeOrderStatus.from_request(
        body, user.household_id, order_ref, expected_version(body.expected_version, if_match)
    )
    return await commands.respond(handlers.change_status, cmd, view=order_out, owner=user.user_id)


@router.post(
    "/{order_ref}/apply",
    response_model=OrderOut,
    responses={
        **problems(*KEYED, "not_found", "already_applied", "invalid_transition"),
        **etag(),
    },
)
async def apply_order(order_ref: str, user: Writer, commands: KeyedCommandsDep) -> JSONResponse:
    cmd = handlers.ApplyOrder(owner_id=user.household_id, order_ref=order_ref)
    return await commands.respond(handlers.apply_order, cmd, view=order_out, owner=user.user_id)


@router.delete(
    "/{order_ref}",
    response_model=MessageOut,
    responses=problems(*KEYED, "not_found", "invalid_transition", "version_conflict"),
)
async def delete_order(
    order_ref: str,
    user: Writer,
    commands: KeyedCommandsDep,
    if_match: IfMatch = None,
    expected: ExpectedVersionQuery = None,
) -> JSONResponse:
    cmd = handlers.DeleteOrder(
        owner_id=user.household_id,
        order_ref=order_ref,
        expected_version=expected_version(expected, if_match),
    )
    return await commands.respond(
        handlers.delete_order, cmd, view=deleted_message, owner=user.user_id
    )

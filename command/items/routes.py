"""POST, PUT and DELETE /items, PATCH /items/{id}/stock and POST /items/stocktake."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from command.deps import KeyedCommandsDep
from command.items import handlers
from command.items.requests import ItemCreate, ItemUpdate, StockChange, StocktakeRequest
from command.items.responses import deleted_message, item_out
from command.items.stocktake import TakeStock, stocktake_out, take_stock
from command.preconditions import ExpectedVersionQuery, IfMatch, expected_version
from infra.deps import Writer
from wire.base import MessageOut
from wire.errors import AUTHENTICATED, KEYED, MEMBER, WITH_BODY, etag, problems
from wire.ids import path_id
from wire.items import ItemOut
from wire.planning import StocktakeOut

router = APIRouter(
    prefix="/api/v1/items", tags=["items"], responses=problems(*AUTHENTICATED, *MEMBER, *WITH_BODY)
)


@router.post(
    "",
    status_code=201,
    response_model=ItemOut,
    responses={**problems(*KEYED, "bad_request"), **etag(201)},
)
async def create_item(body: ItemCreate, user: Writer, commands: KeyedCommandsDep) -> JSONResponse:
    cmd = handlers.CreateItem.from_request(body, user.household_id)
    return await commands.respond(
        handlers.create_item, cmd, view=item_out, owner=user.user_id, status=201
    )


@router.put(
    "/{item_id}",
    response_model=ItemOut,
    responses={**problems(*KEYED, "not_found", "bad_request", "version_conflict"), **etag()},
)
async def update_item(
    item_id: str,
    body: ItemUpdate,
    user: Writer,
    commands: KeyedCommandsDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    cmd = handlers.ReviseItem.from_request(
        body,
        user.household_id,
        path_id(item_id, "Item"),
        expected_version(body.expected_version, if_match),
    )
    return await commands.respond(handlers.revise_item, cmd, view=item_out, owner=user.user_id)


@router.delete(
    "/{item_id}",
    response_model=MessageOut,
    responses=problems(*KEYED, "not_found", "version_conflict"),
)
async def delete_item(
    item_id: str,
    user: Writer,
    commands: KeyedCommandsDep,
    if_match: IfMatch = None,
    expected: ExpectedVersionQuery = None,
) -> JSONResponse:
    cmd = handlers.DeleteItem(
        owner_id=user.household_id,
        item_id=path_id(item_id, "Item"),
        expected_version=expected_version(expected, if_match),
    )
    return await commands.respond(
        handlers.delete_item, cmd, view=deleted_message, owner=user.user_id
    )


@router.patch(
    "/{item_id}/stock",
    response_model=ItemOut,
    responses={
        **problems(*KEYED, "not_found", "version_conflict", "insufficient_stock"),
        **etag(),
    },
)
async def change_stock(
    item_id: str,
    body: StockChange,
    user: Writer,
    commands: KeyedCommandsDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    cmd = handlers.ChangeStock.from_request(
        body,
        user.household_id,
        path_id(item_id, "Item"),
        expected_version(body.expected_version, if_match),
    )
    return await commands.respond(handlers.change_stock, cmd, view=item_out, owner=user.user_id)


@router.post(
    "/stocktake", response_model=StocktakeOut, responses=problems(*KEYED, *MEMBER, "bad_request")
)
async def stocktake(
    body: StocktakeRequest, user: Writer, commands: KeyedCommandsDep
) -> JSONResponse:
    """Set every counted quantity that differs, all at once, each as a stock change with the
    reason `stocktake`; answers the drift."""
    cmd = TakeStock.from_request(body, user.household_id)
    return await commands.respond(take_stock, cmd, view=stocktake_out, owner=user.user_id)

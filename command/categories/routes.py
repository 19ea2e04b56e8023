"""POST, PUT and DELETE /categories."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from command.categories import handlers
from command.categories.requests import CategoryCreate, CategoryUpdate
from command.categories.views import category_out
from command.deps import CommandsDep
from command.ids import parse_id
from command.preconditions import expected_version
from events.category import CategoryNotFound
from vitaltrack.deps import CurrentUser
from vitaltrack.wire.base import MessageOut
from vitaltrack.wire.categories import CategoryOut

router = APIRouter(prefix="/api/v1/categories", tags=["categories"])

IfMatch = Annotated[str | None, Header()]


@router.post("", status_code=201, response_model=CategoryOut)
async def create_category(
    body: CategoryCreate, user: CurrentUser, commands: CommandsDep, response: Response
) -> CategoryOut:
    cmd = handlers.CreateCategory(
        user.user_id,
        body.name,
        body.description,
        body.display_order,
        body.is_default,
        body.local_id,
    )
    saved = await commands.run(handlers.create_category, cmd)
    response.headers["ETag"] = f'"{saved.aggregate.version}"'
    return category_out(saved.aggregate)


@router.put("/{category_id}", response_model=CategoryOut)
async def update_category(
    category_id: str,
    body: CategoryUpdate,
    user: CurrentUser,
    commands: CommandsDep,
    response: Response,
    if_match: IfMatch = None,
) -> CategoryOut:
    cmd = handlers.ReviseCategory(
        user.user_id,
        parse_id(category_id, CategoryNotFound),
        body.name,
        body.description,
        body.display_order,
        body.is_default,
        expected_version(body.expected_version, if_match),
    )
    saved = await commands.run(handlers.revise_category, cmd)
    response.headers["ETag"] = f'"{saved.aggregate.version}"'
    return category_out(saved.aggregate)


@router.delete("/{category_id}", response_model=MessageOut)
async def delete_category(
    category_id: str,
    user: CurrentUser,
    commands: CommandsDep,
    if_match: IfMatch = None,
    expected: Annotated[int | None, Query(alias="expectedVersion", ge=1)] = None,
) -> MessageOut:
    cmd = handlers.DeleteCategory(
        user.user_id, parse_id(category_id, CategoryNotFound), expected_version(expected, if_match)
    )
    saved = await commands.run(handlers.delete_category, cmd)
    return MessageOut(message=f"Category '{saved.aggregate.name}' deleted")

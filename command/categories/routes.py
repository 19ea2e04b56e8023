"""POST, PUT and DELETE /categories."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from command.categories import handlers
from command.categories.requests import CategoryCreate, CategoryUpdate
from command.categories.responses import category_out
from command.deps import KeyedCommandsDep
from command.preconditions import ExpectedVersionQuery, IfMatch, expected_version
from events.category import Category
from infra.deps import Writer
from wire.base import MessageOut
from wire.categories import CategoryOut
from wire.errors import AUTHENTICATED, KEYED, MEMBER, WITH_BODY, etag, problems
from wire.ids import path_id

router = APIRouter(
    prefix="/api/v1/categories",
    tags=["categories"],
    responses=problems(*AUTHENTICATED, *MEMBER, *WITH_BODY),
)


def deleted_message(category: Category) -> MessageOut:
    return MessageOut(message=f"Category '{category.name}' deleted")


@router.post(
    "",
    status_code=201,
    response_model=CategoryOut,
    responses={**problems(*KEYED, "conflict"), **etag(201)},
)
async def create_category(
    body: CategoryCreate, user: Writer, commands: KeyedCommandsDep
) -> JSONResponse:
    cmd = handlers.CreateCategory.from_request(body, user.household_id)
    return await commands.respond(
        handlers.create_category, cmd, view=category_out, owner=user.user_id, status=201
    )


@router.put(
    "/{category_id}",
    response_model=CategoryOut,
    responses={**problems(*KEYED, "not_found", "conflict", "version_conflict"), **etag()},
)
async def update_category(
    category_id: str,
    body: CategoryUpdate,
    user: Writer,
    commands: KeyedCommandsDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    cmd = handlers.ReviseCategory.from_request(
        body,
        user.household_id,
        path_id(category_id, "Category"),
        expected_version(body.expected_version, if_match),
    )
    return await commands.respond(
        handlers.revise_category, cmd, view=category_out, owner=user.user_id
    )


@router.delete(
    "/{category_id}",
    response_model=MessageOut,
    responses=problems(*KEYED, "not_found", "conflict", "version_conflict"),
)
async def delete_category(
    category_id: str,
    user: Writer,
    commands: KeyedCommandsDep,
    if_match: IfMatch = None,
    expected: ExpectedVersionQuery = None,
) -> JSONResponse:
    cmd = handlers.DeleteCategory(
        owner_id=user.household_id,
        category_id=path_id(category_id, "Category"),
        expected_version=expected_version(expected, if_match),
        keep_default=True,
    )
    return await commands.respond(
        handlers.delete_category, cmd, view=deleted_message, owner=user.user_id
    )

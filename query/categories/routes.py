"""GET /categories, /categories/count and /categories/{id}."""

from fastapi import APIRouter, Response

from infra.deps import CurrentMember, PoolDep
from query.categories import queries
from wire.categories import CategoryCountList, CategoryList, CategoryOut, CountOut
from wire.errors import AUTHENTICATED, MEMBER, etag, problems
from wire.ids import path_id
from wire.problems import Problem

router = APIRouter(
    prefix="/api/v1/categories", tags=["categories"], responses=problems(*AUTHENTICATED, *MEMBER)
)


@router.get("", response_model=CategoryList)
async def list_categories(user: CurrentMember, pool: PoolDep) -> CategoryList:
    return await queries.list_categories(pool, user.household_id)


@router.get("/count", response_model=CountOut)
async def count_categories(user: CurrentMember, pool: PoolDep) -> CountOut:
    return CountOut(count=await queries.count_categories(pool, user.household_id))


@router.get("/with-counts", response_model=CategoryCountList)
async def list_with_counts(user: CurrentMember, pool: PoolDep) -> CategoryCountList:
    """The mobile client's listing: each category with its number of active items."""
    return await queries.list_categories_with_counts(pool, user.household_id)


@router.get(
    "/{category_id}", response_model=CategoryOut, responses={**problems("not_found"), **etag()}
)
async def get_category(
    category_id: str, user: CurrentMember, pool: PoolDep, response: Response
) -> CategoryOut:
    found = await queries.category_by_id(pool, user.household_id, path_id(category_id, "Category"))
    if found is None:
        raise Problem(404, "not_found", "Category not found")
    response.headers["ETag"] = f'"{found.version}"'
    return found

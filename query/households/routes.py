"""GET /households and /households/current (API.md 12 #1-2)."""

from fastapi import APIRouter

from infra.deps import CurrentMember, CurrentUser, PoolDep
from query.households.queries import household_view, households_of
from wire.errors import AUTHENTICATED, MEMBER, problems
from wire.households import HouseholdOut, HouseholdsOut

router = APIRouter(
    prefix="/api/v1/households", tags=["households"], responses=problems(*AUTHENTICATED, *MEMBER)
)


@router.get("", response_model=HouseholdsOut)
async def households(user: CurrentUser, pool: PoolDep) -> HouseholdsOut:
    """Every household the account belongs to: works for a removed member too."""
    return await households_of(pool, user.user_id, user.household_id)


@router.get("/current", response_model=HouseholdOut, responses=problems("forbidden"))
async def current(member: CurrentMember, pool: PoolDep) -> HouseholdOut:
    """Open invitations are listed to the owner only."""
    return await household_view(pool, member.household_id, member.user_id)

"""GET /auth/me."""

from fastapi import APIRouter

from infra.deps import BEARER, CurrentUser, PoolDep
from query.accounts.queries import user_by_id
from wire.errors import AUTHENTICATED, problems
from wire.problems import Problem
from wire.users import UserOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.get("/me", response_model=UserOut, responses=problems(*AUTHENTICATED, "account_disabled"))
async def me(user: CurrentUser, pool: PoolDep) -> UserOut:
    found = await user_by_id(pool, user.user_id)
    if found is None:  # the account is gone (its sessions are revoked too)
        raise Problem(401, "invalid_token", "Could not validate credentials", BEARER)
    if not found.is_active:
        raise Problem(403, "account_disabled", "Account is disabled")
    return found

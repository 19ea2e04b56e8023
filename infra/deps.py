"""Shared FastAPI dependencies as Annotated aliases (command/deps.py adds the write side's).

All `async def`: FastAPI runs a plain `def` dependency in the threadpool, a thread hop per
request for what is an attribute lookup."""

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import asyncpg
from fastapi import Depends, Header, Request
from fastapi.security import HTTPBearer
from starlette.applications import Starlette

from infra.clock import Clock
from infra.security.memberships import Memberships
from infra.security.rate_limits import RateLimiter
from infra.security.revocations import Revocations
from infra.security.tokens import ExpiredToken, InvalidToken, KeyRing
from infra.settings import Settings
from wire.problems import Problem

OWNER, VIEWER = "owner", "viewer"  # roles (events/household.py; infra imports no events)

BEARER = {"WWW-Authenticate": "Bearer"}
HOUSEHOLD_HEADER = "X-Household-Id"


class Adapters(Protocol):
    """What these dependencies take from the app's services (vitaltrack/services.py)."""

    settings: Settings
    clock: Clock  # the process's one clock (infra/clock.py)
    pool: asyncpg.Pool
    keyring: KeyRing
    rate_limiter: RateLimiter
    revocations: Revocations
    memberships: Memberships


def services_of(app: Starlette) -> Any:
    """The app's one container of services, made at start-up. A layer reads it as a Protocol
    of what it needs (annotate the result); the container's class declares that it implements
    every such Protocol, so mypy holds it to each of them."""
    return app.state.services


def _adapters(request: Request) -> Adapters:
    adapters: Adapters = services_of(request.app)
    return adapters


async def _settings(request: Request) -> Settings:
    return _adapters(request).settings


async def _pool(request: Request) -> asyncpg.Pool:
    return _adapters(request).pool


async def _keyring(request: Request) -> KeyRing:
    return _adapters(request).keyring


async def _clock(request: Request) -> Clock:
    return _adapters(request).clock


SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
PoolDep = Annotated[asyncpg.Pool, Depends(_pool)]
KeyRingDep = Annotated[KeyRing, Depends(_keyring)]


async def _rate_limiter(request: Request) -> RateLimiter:
    return _adapters(request).rate_limiter


async def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


RateLimiterDep = Annotated[RateLimiter, Depends(_rate_limiter)]
ClientAddress = Annotated[str, Depends(_client_address)]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: its account, its session, and the household it acts on
    (the session's, or the one `X-Household-Id` names; API.md 12)."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    household_id: uuid.UUID
    chosen: bool = False  # named by X-Household-Id (not a member: 404, not 403)


class SessionBearer(HTTPBearer):
    """A valid access token of a session that is not revoked. No database round trip and no
    read table: a new account's token works before the projections have caught up, and a
    revoked session's tokens stop within moments on every process (security/revocations).

    The library's scheme class, so the OpenAPI document declares it (the Authorize button
    of /docs), with our checks and answers: one dependency that every request solves, which
    takes the app's parts from the request instead of depending on them."""

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, "not_authenticated", "Not authenticated", BEARER)
        adapters = _adapters(request)
        try:
            claims = adapters.keyring.verify(token.strip())
        except ExpiredToken:
            expired = "The access token has expired; refresh it or sign in again"
            raise Problem(401, "invalid_token", expired, BEARER) from None
        except InvalidToken:
            raise Problem(401, "invalid_token", "Could not validate credentials", BEARER) from None
        if adapters.revocations.is_revoked(claims.session_id):
            raise Problem(401, "invalid_token", "This session has ended; sign in again", BEARER)
        request.state.user_id = str(claims.user_id)  # for the access log
        request.state.actor_id = claims.user_id  # who caused what the request records
        chosen = _chosen_household(request)
        household = chosen or claims.household_id
        return Principal(claims.user_id, claims.session_id, household, chosen is not None)


# What a malformed X-Household-Id names: no household anyone is a member of (uuid4 and
# uuid5 ids are never nil), so a route acting on a household answers 404 as for a stranger's
# id, and the routes that act on none (GET /auth/me, GET /households) ignore it.
NO_HOUSEHOLD = uuid.UUID(int=0)


def _chosen_household(request: Request) -> uuid.UUID | None:
    raw = request.headers.get(HOUSEHOLD_HEADER)
    if raw is None:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return NO_HOUSEHOLD


session_bearer = SessionBearer(
    scheme_name="HTTPBearer", description="The access_token from login or register."
)


CurrentUser = Annotated[Principal, Depends(session_bearer)]


@dataclass(frozen=True)
class Member:
    """The caller as a member of the household it acts on, with its role there."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    household_id: uuid.UUID
    role: str
    chosen: bool = False

    @property
    def writes(self) -> bool:
        return self.role != VIEWER

    @property
    def sync_session_id(self) -> uuid.UUID:
        """What a device holds is tracked per session and household: a session that names
        another household (X-Household-Id) syncs it apart from its own."""
        if not self.chosen:
            return self.session_id
        return uuid.uuid5(self.session_id, str(self.household_id))


# Declared by every route that acts on a household, for the OpenAPI document (SessionBearer
# reads it).
HouseholdHeader = Annotated[
    str | None,
    Header(
        alias=HOUSEHOLD_HEADER,
        max_length=36,
        description="Act on this household (the caller must be a member); without "
        "it, on the household the session signed in to.",
    ),
]


async def _member(
    request: Request, principal: CurrentUser, _household: HouseholdHeader = None
) -> Member:
    return await member_of(request, principal)


async def _signed_in_member(
    principal: CurrentUser, _household: HouseholdHeader = None
) -> Principal:
    return principal


async def member_of(request: Request, principal: Principal) -> Member:
    """Not a member of a household it named: 404 (it is not its to know). No longer a member
    of its session's household (removed): 403, until it signs in again or names another."""
    role = await _adapters(request).memberships.role(principal.household_id, principal.user_id)
    if role is None and principal.chosen:
        raise Problem(404, "not_found", "No such household")
    if role is None:
        raise Problem(403, "forbidden", "You are no longer a member of this household")
    return Member(
        principal.user_id, principal.session_id, principal.household_id, role, principal.chosen
    )


async def _writer(member: Annotated[Member, Depends(_member)]) -> Member:
    if not member.writes:
        raise Problem(
            403, "forbidden", "Viewers can read this household's supplies but not change them"
        )
    return member


async def _owner(member: Annotated[Member, Depends(_member)]) -> Member:
    owner_only(member.role)
    return member


def owner_only(role: str) -> None:
    if role != OWNER:
        raise Problem(403, "forbidden", f"Only the household's owner can do this ({role})")


CurrentMember = Annotated[Member, Depends(_member)]  # any role: reads, sync pulls
# A member whose role the route checks itself (member_of), after its Idempotency-Key is
# looked up: the retry of a request whose success took that right away (leaving, handing
# the ownership on) gets its first answer again, not 403.
LaterMember = Annotated[Principal, Depends(_signed_in_member)]
Writer = Annotated[Member, Depends(_writer)]  # owner or caregiver: every change
Owner = Annotated[Member, Depends(_owner)]  # members, invitations, settings

"""Shared FastAPI dependencies as Annotated aliases (command/deps.py adds the write side's).

All `async def`: FastAPI runs a plain `def` dependency in the threadpool, a thread hop per
request for what is an attribute lookup."""

import uuid
from dataclasses import dataclass
from typing import Annotated, cast

import asyncpg
from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from infra.security.rate_limits import RateLimiter
from infra.security.tokens import ExpiredToken, InvalidToken, KeyRing
from infra.settings import Settings
from wire.problems import Problem

BEARER = {"WWW-Authenticate": "Bearer"}


async def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def _pool(request: Request) -> asyncpg.Pool:
    return cast(asyncpg.Pool, request.app.state.pool)


async def _keyring(request: Request) -> KeyRing:
    return cast(KeyRing, request.app.state.keyring)


SettingsDep = Annotated[Settings, Depends(_settings)]
PoolDep = Annotated[asyncpg.Pool, Depends(_pool)]
KeyRingDep = Annotated[KeyRing, Depends(_keyring)]


async def _rate_limiter(request: Request) -> RateLimiter:
    return cast(RateLimiter, request.app.state.rate_limiter)


async def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


RateLimiterDep = Annotated[RateLimiter, Depends(_rate_limiter)]
ClientAddress = Annotated[str, Depends(_client_address)]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: whose data every query is scoped to, and which session."""

    user_id: uuid.UUID
    session_id: uuid.UUID


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
        try:
            claims = cast(KeyRing, request.app.state.keyring).verify(token.strip())
        except ExpiredToken:
            expired = "The access token has expired; refresh it or sign in again"
            raise Problem(401, "invalid_token", expired, BEARER) from None
        except InvalidToken:
            raise Problem(401, "invalid_token", "Could not validate credentials", BEARER) from None
        if request.app.state.revocations.is_revoked(claims.session_id):
            raise Problem(401, "invalid_token", "This session has ended; sign in again", BEARER)
        request.state.user_id = str(claims.user_id)  # for the access log
        return Principal(claims.user_id, claims.session_id)


session_bearer = SessionBearer(
    scheme_name="HTTPBearer", description="The access_token from login or register."
)


CurrentUser = Annotated[Principal, Depends(session_bearer)]

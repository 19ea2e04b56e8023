"""The household commands over HTTP (API.md 12 #3-6, #9-11). Answers show the household as
the read side does (members with their names): the composition root hands that view over."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Protocol
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from command.deps import KeyedCommandsDep, plain
from command.households import handlers
from command.households.requests import DefaultIn, HouseholdPatch, InviteIn, JoinIn, RoleIn
from command.households.tables import invitation_of
from command.preconditions import IfMatch, expected_version
from events.household import TooManyInvitations
from events.user import User
from infra.deps import CurrentUser, LaterMember, Owner, PoolDep, member_of, owner_only, services_of
from infra.security.one_time_tokens import OneTimeTokens
from wire.base import MessageOut
from wire.errors import AUTHENTICATED, KEYED, MEMBER, WITH_BODY, problems
from wire.households import HouseholdOut, HouseholdsOut, InvitationOut
from wire.ids import path_id
from wire.problems import Problem

router = APIRouter(
    prefix="/api/v1/households",
    tags=["households"],
    responses=problems(*AUTHENTICATED, *WITH_BODY),
)
DAY = 86_400


@dataclass(frozen=True)
class HouseholdViews:
    """The read side's renderings (query/households), wired by the composition root."""

    household: Callable[[asyncpg.Pool, UUID, UUID], Awaitable[HouseholdOut]]
    households: Callable[[asyncpg.Pool, UUID, UUID], Awaitable[HouseholdsOut]]
    invitation: Callable[[asyncpg.Pool, UUID], Awaitable[InvitationOut]]


class InvitationLinks(Protocol):
    """What an invitation takes of the account services (command/accounts/services.py)."""

    @property
    def tokens(self) -> OneTimeTokens: ...

    @property
    def public_base_url(self) -> str: ...


class HouseholdServices(Protocol):
    """What the household routes take from the app's services (vitaltrack/services.py)."""

    household_views: HouseholdViews
    accounts: InvitationLinks


def _services(request: Request) -> HouseholdServices:
    services: HouseholdServices = services_of(request.app)
    return services


async def _views(request: Request) -> HouseholdViews:
    return _services(request).household_views


async def _links(request: Request) -> InvitationLinks:
    return _services(request).accounts


Views = Annotated[HouseholdViews, Depends(_views)]
Links = Annotated[InvitationLinks, Depends(_links)]


@router.patch(
    "/current",
    response_model=HouseholdOut,
    responses=problems(*KEYED, *MEMBER, "version_conflict"),
)
async def change_settings(
    body: HouseholdPatch,
    member: Owner,
    commands: KeyedCommandsDep,
    pool: PoolDep,
    views: Views,
    if_match: IfMatch = None,
) -> JSONResponse:
    cmd = handlers.ChangeSettings(
        household_id=member.household_id,
        name=body.name,
        time_zone=body.time_zone,
        lead_time_days=body.lead_time_days,
        cover_days=body.cover_days,
        expected_version=expected_version(body.expected_version, if_match),
    )

    async def produce() -> tuple[int, Any]:
        await commands.run(handlers.change_settings, cmd)
        return 200, plain(await views.household(pool, member.household_id, member.user_id))

    return await commands.idempotent(member.user_id, produce)


@router.put("/default", response_model=HouseholdsOut, responses=problems(*KEYED, "not_found"))
async def set_default(
    body: DefaultIn, user: CurrentUser, commands: KeyedCommandsDep, pool: PoolDep, views: Views
) -> JSONResponse:
    """The household later sign-ins act on (the session at hand keeps its own)."""

    async def produce() -> tuple[int, Any]:
        await commands.run(handlers.set_default, user.user_id, body.household_id)
        return 200, plain(await views.households(pool, user.user_id, user.household_id))

    return await commands.idempotent(user.user_id, produce)


@router.post(
    "/current/invitations",
    status_code=201,
    response_model=InvitationOut,
    responses=problems(*KEYED, *MEMBER, "conflict", "rate_limited"),
)
async def invite(
    body: InviteIn,
    member: Owner,
    commands: KeyedCommandsDep,
    pool: PoolDep,
    views: Views,
    accounts: Links,
) -> JSONResponse:
    """Mails a link valid 7 days; a new invitation to the same address replaces the open one."""
    inviter: User = await run_in_threadpool(commands.store.repository.get, member.user_id)
    cmd = handlers.Invite(
        household_id=member.household_id,
        invited_by=member.user_id,
        inviter_name=inviter.name,
        email=body.email,
        role=body.role,
    )

    async def produce() -> tuple[int, Any]:
        try:
            made = await commands.run(
                handlers.invite, accounts.tokens.hash, accounts.public_base_url, cmd
            )
        except TooManyInvitations:
            raise Problem(
                429,
                "rate_limited",
                "A household sends at most 20 invitations a day",
                {"Retry-After": str(DAY)},
                retryAfter=DAY,
            ) from None
        return 201, plain(await views.invitation(pool, made.invitation.id))

    return await commands.idempotent(member.user_id, produce)


@router.delete(
    "/current/invitations/{invitation_id}",
    response_model=MessageOut,
    responses=problems(*KEYED, "forbidden", "not_found"),
)
async def revoke_invitation(
    invitation_id: str, member: Owner, commands: KeyedCommandsDep
) -> JSONResponse:
    found = path_id(invitation_id, "Invitation")
    return await commands.respond(
        handlers.revoke_invitation,
        member.household_id,
        found,
        view=lambda _: MessageOut(message="Invitation revoked"),
        owner=member.user_id,
    )


@router.post(
    "/join",
    response_model=HouseholdOut,
    responses=problems(*KEYED, "bad_request", "forbidden", "conflict"),
)
async def join(
    body: JoinIn,
    user: CurrentUser,
    commands: KeyedCommandsDep,
    pool: PoolDep,
    views: Views,
    accounts: Links,
) -> JSONResponse:
    """For new apps: the signed-in account accepts the invitation mailed to its address. The
    token is checked once no answer is stored for the Idempotency-Key: a retry of a join
    gets its first answer, not "used"."""
    hasher = accounts.tokens.hash

    async def produce() -> tuple[int, Any]:
        invitation = await run_in_threadpool(invitation_of, commands.store, hasher(body.token))
        if invitation is None:
            raise Problem(400, "bad_request", "This invitation is invalid, used or expired")
        account: User = await run_in_threadpool(commands.store.repository.get, user.user_id)
        if account.email != invitation["email"]:
            raise Problem(403, "forbidden", "This invitation was sent to another address")
        cmd = handlers.Join(
            household_id=invitation["household_id"],
            invitation_id=invitation["id"],
            user_id=user.user_id,
        )
        await commands.run(handlers.join, cmd)
        return 200, plain(await views.household(pool, cmd.household_id, user.user_id))

    return await commands.idempotent(user.user_id, produce)


@router.patch(
    "/current/members/{user_id}",
    response_model=HouseholdOut,
    responses=problems(*KEYED, "forbidden", "not_found", "conflict"),
)
async def change_role(
    user_id: str,
    body: RoleIn,
    caller: LaterMember,
    commands: KeyedCommandsDep,
    pool: PoolDep,
    views: Views,
    request: Request,
) -> JSONResponse:
    """`owner` transfers ownership: that member becomes owner, the caller a caregiver (so
    the owner's role is checked after the Idempotency-Key: a retry gets its first answer)."""
    cmd = handlers.ChangeRole(
        household_id=caller.household_id, user_id=path_id(user_id, "Member"), role=body.role
    )

    async def produce() -> tuple[int, Any]:
        owner_only((await member_of(request, caller)).role)
        await commands.run(handlers.change_role, cmd)
        return 200, plain(await views.household(pool, caller.household_id, caller.user_id))

    return await commands.idempotent(caller.user_id, produce)


@router.delete(
    "/current/members/{user_id}",
    response_model=MessageOut,
    responses=problems(*KEYED, "forbidden", "not_found", "conflict"),
)
async def remove_member(
    user_id: str, caller: LaterMember, commands: KeyedCommandsDep, request: Request
) -> JSONResponse:
    """The owner removes anyone else; any member removes itself (leaves): its membership is
    checked after the Idempotency-Key, so a retry of a leave gets its first answer."""
    target = path_id(user_id, "Member")

    async def authorize() -> None:
        member = await member_of(request, caller)
        if target != member.user_id and member.role != "owner":
            raise Problem(
                403, "forbidden", f"Only the owner removes other members (you are a {member.role})"
            )

    cmd = handlers.RemoveMember(household_id=caller.household_id, user_id=target, by=caller.user_id)
    left = "You left the household" if target == caller.user_id else "Member removed"
    return await commands.respond(
        handlers.remove_member,
        cmd,
        view=lambda _: MessageOut(message=left),
        owner=caller.user_id,
        authorize=authorize,
    )

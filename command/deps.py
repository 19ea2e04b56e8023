"""Write-side dependencies: the event store and the command runner."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Concatenate, ParamSpec, Protocol, TypeVar
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from command.accounts.services import AccountServices
from command.errors import problem_of
from command.idempotency import IdempotencyKeys, Pending, fingerprint
from command.unit_of_work import UnitOfWork
from events.store import Store
from infra.watermark import Watermark
from wire.problems import Problem


class Positioned(Protocol):
    @property
    def position(self) -> int: ...


R = TypeVar("R", bound=Positioned)
P = ParamSpec("P")


class Commands:
    """Runs a synchronous command handler off the event loop with a unit of work of its own,
    then waits until the read tables include its events, so the caller's next read sees its
    own write."""

    def __init__(self, request: Request):
        state = request.app.state
        self.store: Store = state.store
        self._watermark: Watermark = state.watermark

    async def run(
        self, handler: Callable[Concatenate[UnitOfWork, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        return await self.run_in(UnitOfWork(self.store), handler, *args, **kwargs)

    async def run_in(
        self,
        uow: UnitOfWork,
        handler: Callable[Concatenate[UnitOfWork, P], R],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        result = await run_in_threadpool(handler, uow, *args, **kwargs)
        await self._watermark.wait_for(result.position)
        return result


class KeyedCommands(Commands):
    """Commands that honour an Idempotency-Key (API.md 1.4). Only routes that depend on
    KeyedCommandsDep can answer through it, so those and only those declare the header."""

    def __init__(self, request: Request, key: str | None):
        super().__init__(request)
        self._keys: IdempotencyKeys = request.app.state.idempotency
        self._request, self._key = request, key

    async def respond(
        self,
        handler: Callable[..., Positioned],
        *args: Any,
        view: Callable[[Any], BaseModel],
        owner: UUID | None,
        status: int = 200,
    ) -> JSONResponse:
        """Run the command and answer `view(aggregate)`, honouring an Idempotency-Key: the
        answer is stored in the events' transaction, so applied and remembered go together."""
        pending: Pending | None = None

        async def run(key_print: tuple[str, str, bytes] | None) -> tuple[int, Any]:
            nonlocal pending
            if key_print is None:
                result = await self.run(handler, *args)
                return status, plain(view(getattr(result, "aggregate", None)))
            pending = Pending(*key_print, status, lambda agg: plain(view(agg)))
            remembered = UnitOfWork(self.store, rider=pending)  # with the command's events
            result = await self.run_in(remembered, handler, *args)
            if pending.body is None:  # nothing was saved, so nothing was remembered yet
                pending.body = plain(view(getattr(result, "aggregate", None)))
            return status, pending.body

        return await self._idempotent(owner, run, lambda: pending is not None and pending.saved)

    async def idempotent(
        self,
        owner: UUID | None,
        produce: Callable[[], Awaitable[tuple[int, Any]]],
        *,
        keep: Callable[[Any], Any] | None = None,
        again: Callable[[Any], Awaitable[tuple[int, Any]]] | None = None,
    ) -> JSONResponse:
        """An Idempotency-Key for work that is idempotent on its own (sync operations are
        deduplicated one by one): its answer is remembered once it is complete. With `keep`
        and `again`, a success is remembered as keep(body) and replayed as again(kept): a
        sign-up's tokens are never stored (API.md 1.2), its replay signs in again."""

        async def run(_key_print: tuple[str, str, bytes] | None) -> tuple[int, Any]:
            return await produce()

        return await self._idempotent(owner, run, lambda: False, keep, again)

    async def _idempotent(
        self,
        owner: UUID | None,
        run: Callable[[tuple[str, str, bytes] | None], Awaitable[tuple[int, Any]]],
        stored_with_events: Callable[[], bool],
        keep: Callable[[Any], Any] | None = None,
        again: Callable[[Any], Awaitable[tuple[int, Any]]] | None = None,
    ) -> JSONResponse:
        key = self._key
        if key is None:
            return _json(*await run(None))
        request = self._request
        scope = f"user:{owner}" if owner else f"client:{_client(request)}:{request.url.path}"
        request_print = fingerprint(request.method, request.url.path, await request.body())
        async with self._keys.exclusive(scope, key) as stored:
            if stored is not None:
                if stored.fingerprint != request_print:
                    raise Problem(
                        422,
                        "idempotency_key_reused",
                        "This Idempotency-Key was used for a different request",
                    )
                if again is not None and stored.status < 300:
                    return _json(*await again(stored.body), replayed=True)
                return _json(stored.status, stored.body, replayed=True)
            try:
                status, body = await run((scope, key, request_print))
            except Exception as exc:
                refused = problem_of(exc)
                if refused is not None and refused[0] < 500 and refused[0] != 429:
                    await self._keys.remember(scope, key, request_print, *refused)
                raise
            if not stored_with_events():
                kept = keep(body) if keep is not None else body
                await self._keys.remember(scope, key, request_print, status, kept)
        return _json(status, body)


def plain(model: BaseModel) -> Any:
    """A response model in wire spelling, as plain JSON values."""
    return model.model_dump(mode="json", by_alias=True)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _json(status: int, body: Any, *, replayed: bool = False) -> JSONResponse:
    headers = {}
    if isinstance(body, dict) and isinstance(body.get("version"), int):
        headers["ETag"] = f'"{body["version"]}"'
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(body, status_code=status, headers=headers)


async def _accounts(request: Request) -> AccountServices:
    accounts: AccountServices = request.app.state.accounts
    return accounts


async def _commands(request: Request) -> Commands:
    return Commands(request)


async def _keyed_commands(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=r"^[\x20-\x7e]{1,255}$",  # printable ASCII (API.md 1.4)
            description="Optional, 1-255 printable ASCII characters: a retry with the same "
            "key and request answers the first answer again (Idempotent-Replayed: true), "
            "and changes nothing again. Kept 48 hours.",
        ),
    ] = None,
) -> KeyedCommands:
    return KeyedCommands(request, key)


CommandsDep = Annotated[Commands, Depends(_commands)]
KeyedCommandsDep = Annotated[KeyedCommands, Depends(_keyed_commands)]
AccountsDep = Annotated[AccountServices, Depends(_accounts)]

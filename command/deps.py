"""Write-side dependencies: the command runner, with read-your-writes and Idempotency-Key."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Concatenate, ParamSpec, Protocol, TypeVar
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from command.idempotency import IdempotencyKeys, Pending, Stored, fingerprint
from command.refusals import Refusals
from command.unit_of_work import Rider, UnitOfWork
from events.store import Store
from infra.deps import services_of
from infra.watermark import Watermark
from wire.problems import Problem
from wire.read_side import mark_read_side_behind


class CommandServices(Protocol):
    """What the command runner takes from the app's services (vitaltrack/services.py)."""

    store: Store
    watermark: Watermark
    idempotency: IdempotencyKeys
    refusals: Refusals


class Positioned(Protocol):
    @property
    def position(self) -> int: ...


class Saved(Positioned, Protocol):
    @property
    def aggregate(self) -> Any: ...


R = TypeVar("R", bound=Positioned)
P = ParamSpec("P")
Answer = tuple[int, Any]  # status and JSON body


class Commands:
    """Runs a synchronous command handler off the event loop with a unit of work of its own,
    then waits until the read tables include its events, so the caller's next read sees its
    own write. If they do not within the timeout, the answer says so (`Read-Side: behind`)."""

    def __init__(self, request: Request):
        self._services: CommandServices = services_of(request.app)
        self.store = self._services.store
        self._request = request

    async def run(
        self, handler: Callable[Concatenate[UnitOfWork, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        return await self.run_in(self.unit_of_work(), handler, *args, **kwargs)

    def unit_of_work(self, rider: Rider | None = None) -> UnitOfWork:
        """One command's unit of work; its events say who asked (the signed-in account)."""
        actor: UUID | None = getattr(self._request.state, "actor_id", None)
        return UnitOfWork(self.store, rider=rider, actor=actor)

    async def run_in(
        self,
        uow: UnitOfWork,
        handler: Callable[Concatenate[UnitOfWork, P], R],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        result = await run_in_threadpool(handler, uow, *args, **kwargs)
        if not await self._services.watermark.wait_for(result.position):
            mark_read_side_behind(self._request)
        return result


@dataclass(frozen=True)
class _Key:
    """An Idempotency-Key as it applies to one request."""

    scope: str  # the account, or an unauthenticated client's address and path
    key: str
    fingerprint: bytes  # of the method, path and body


class KeyedCommands(Commands):
    """Commands that honour an Idempotency-Key (API.md 1.4). Only routes that depend on
    KeyedCommandsDep can answer through it, so those and only those declare the header."""

    def __init__(self, request: Request, key: str | None):
        super().__init__(request)
        self._keys = self._services.idempotency
        self._refusals = self._services.refusals
        self._key = key

    async def respond(
        self,
        handler: Callable[..., Saved],
        *args: Any,
        view: Callable[[Any], BaseModel],
        owner: UUID | None,
        status: int = 200,
        authorize: Callable[[], Awaitable[None]] | None = None,
    ) -> JSONResponse:
        """Run the command and answer `view(aggregate)`. With an Idempotency-Key the answer
        is stored in the events' transaction: applied and remembered go together.
        `authorize` runs once no stored answer is found (infra.deps.LaterMember)."""

        async def remembered(key: _Key) -> tuple[Answer, bool]:
            if authorize is not None:
                await authorize()
            record = Pending(key.scope, key.key, key.fingerprint, status, lambda a: plain(view(a)))
            saved = await self.run_in(self.unit_of_work(record), handler, *args)
            body = record.body if record.saved else plain(view(saved.aggregate))
            return (status, body), record.saved

        if self._key is None:
            if authorize is not None:
                await authorize()
            saved = await self.run(handler, *args)
            return _json(status, plain(view(saved.aggregate)))
        return await self._keyed(owner, remembered)

    async def idempotent(
        self,
        owner: UUID | None,
        produce: Callable[[], Awaitable[Answer]],
        *,
        keep: Callable[[Any], Any] | None = None,
        again: Callable[[Any], Awaitable[Answer]] | None = None,
    ) -> JSONResponse:
        """An Idempotency-Key for work that is idempotent on its own (sync operations are
        deduplicated one by one): its answer is remembered once it is complete. With `keep`
        and `again`, a success is remembered as keep(body) and replayed as again(kept): a
        sign-up's tokens are never stored (API.md 1.2), its replay signs in again."""

        async def afterwards(_key: _Key) -> tuple[Answer, bool]:
            return await produce(), False

        if self._key is None:
            return _json(*await produce())
        return await self._keyed(owner, afterwards, keep=keep, again=again)

    async def _keyed(
        self,
        owner: UUID | None,
        run: Callable[[_Key], Awaitable[tuple[Answer, bool]]],
        *,
        keep: Callable[[Any], Any] | None = None,
        again: Callable[[Any], Awaitable[Answer]] | None = None,
    ) -> JSONResponse:
        """Replay the stored answer, or run and remember the new one (unless `run` says its
        events' transaction stored it already)."""
        assert self._key is not None
        request = self._request
        scope = f"user:{owner}" if owner else f"client:{_client(request)}:{request.url.path}"
        body_print = fingerprint(request.method, request.url.path, await request.body())
        key = _Key(scope, self._key, body_print)
        async with self._keys.exclusive(scope, key.key) as stored:
            if stored is not None:
                return await _replay(stored, key, again)
            try:
                (status, body), remembered = await run(key)
            except Exception as exc:
                await self._remember_refusal(key, exc)
                raise
            if not remembered:
                kept = keep(body) if keep is not None else body
                await self._keys.remember(scope, key.key, key.fingerprint, status, kept)
        return _json(status, body)

    async def _remember_refusal(self, key: _Key, exc: Exception) -> None:
        """A refusal is an answer too (never a 5xx, and never a 429: those may change)."""
        refused = self._refusals.problem_of(exc)
        if refused is not None and refused[0] < 500 and refused[0] != 429:
            await self._keys.remember(key.scope, key.key, key.fingerprint, *refused)


async def _replay(
    stored: Stored, key: _Key, again: Callable[[Any], Awaitable[Answer]] | None
) -> JSONResponse:
    if stored.fingerprint != key.fingerprint:
        raise Problem(
            422, "idempotency_key_reused", "This Idempotency-Key was used for a different request"
        )
    if again is not None and stored.status < 300:
        return _json(*await again(stored.body), replayed=True)
    return _json(stored.status, stored.body, replayed=True)


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

"""Write-side dependencies: the event store and the command runner."""

from collections.abc import Callable
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from command.accounts.services import AccountServices
from events.store import Store
from vitaltrack.catchup import Watermark
from vitaltrack.security.passwords import Passwords


class Positioned(Protocol):
    position: int


R = TypeVar("R", bound=Positioned)


class Commands:
    """Runs a synchronous command handler off the event loop, then waits until the read
    tables include its events, so the caller's next read sees its own write."""

    def __init__(self, store: Store, watermark: Watermark):
        self.store = store
        self._watermark = watermark

    async def run(self, handler: Callable[..., R], *args: Any) -> R:
        result = await run_in_threadpool(handler, self.store, *args)
        await self._watermark.wait_for(result.position)
        return result


def _commands(request: Request) -> Commands:
    return Commands(request.app.state.store, request.app.state.watermark)


CommandsDep = Annotated[Commands, Depends(_commands)]


def _accounts(request: Request) -> AccountServices:
    return request.app.state.accounts


def _passwords(request: Request) -> Passwords:
    return request.app.state.accounts.passwords


AccountsDep = Annotated[AccountServices, Depends(_accounts)]
PasswordsDep = Annotated[Passwords, Depends(_passwords)]

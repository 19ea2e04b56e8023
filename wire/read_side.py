"""`Read-Side: behind` on a write's answer sent before the read tables include it.

A command waits until the read tables include its events (read-your-writes), but never for
longer than READ_YOUR_WRITES_TIMEOUT: if the projections are behind (stopped, or a long
rebuild catching up), the write is answered anyway, committed, and this header tells the
client that a list it reads right away may not show it yet (docs/api.md)."""

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "Read-Side"
_FLAG = "read_side_behind"


def mark_read_side_behind(request: Request) -> None:
    setattr(request.state, _FLAG, True)


class ReadSideHeader:
    """ASGI middleware: the header on answers whose request was marked."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("state", {}).get(_FLAG):
                message["headers"] = [*message.get("headers", []), (b"read-side", b"behind")]
            await send(message)

        await self.app(scope, receive, sending)

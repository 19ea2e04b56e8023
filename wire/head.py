"""HEAD wherever GET is served (RFC 9110 9.3.2): FastAPI's routes answer only the methods
they name, so a HEAD was 405. It is answered as the GET, headers (Content-Length, ETag)
included, without the body."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # Routed as a GET in a copy: the server (uvicorn) reads the original to know that
        # this answer has no body, and the access log to record a HEAD...
        routed = {**scope, "method": "GET"}
        try:
            await self.app(routed, receive, without_body)
        finally:  # ...under the route it reached
            if "route" in routed:
                scope["route"] = routed["route"]

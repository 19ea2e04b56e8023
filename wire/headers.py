"""Headers every answer carries, whatever produced it (a route, an error handler, the
router's own trailing-slash redirect).

- `X-Content-Type-Options: nosniff`: a browser never guesses a type from the body.
- `Cache-Control: no-store` on the auth endpoints: tokens and the profile are never kept by
  a cache or a proxy (unless the route chose its own, as the pages do).
- `Strict-Transport-Security` when HSTS_MAX_AGE is set (a deployment served only over TLS).
- A redirect's Location is made relative: the router builds it from the Host header, which a
  client chooses, so an absolute one would send a browser wherever that header said."""

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE_PREFIX = "/api/v1/auth/"
REDIRECTS = {301, 302, 303, 307, 308}


def relative(location: str) -> str:
    """The path and query of a URL, with one leading slash (never `//host`)."""
    parts = urlsplit(location)
    path = "/" + parts.path.lstrip("/")
    return f"{path}?{parts.query}" if parts.query else path


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, hsts_max_age: int = 0):
        self.app = app
        self._hsts = f"max-age={hsts_max_age}; includeSubDomains" if hsts_max_age else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = scope["path"].startswith(NO_STORE_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if no_store:
                    headers.setdefault("Cache-Control", "no-store")
                if self._hsts:
                    headers["Strict-Transport-Security"] = self._hsts
                if message["status"] in REDIRECTS and "location" in headers:
                    headers["Location"] = relative(headers["location"])
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""Input bounds at the boundary (API.md 1.7): nothing a column or a projection cannot hold
ever reaches a handler, so no stored event can fail to project.

Every request's path, query string and body is checked before routing: text with NUL or
another C0 control (tab and newline aside) or a lone surrogate is 422, a body over the limit
413, JSON nested deeper than any request needs 422. The check sees every string, in every
field, known or not (sync operations carry free-form `data`), and every object key.
"""

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wire.problems import problem_response

# C0 controls but tab (09) and newline (0a), and UTF-16 surrogates, which no text column holds
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff]")
MAX_DEPTH = 32
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def bad_text(value: str) -> str | None:
    """Why this text cannot be stored, or None."""
    found = FORBIDDEN.search(value)
    if found is None:
        return None
    if "\ud800" <= found.group() <= "\udfff":
        return "Text must be valid Unicode (a lone surrogate was sent)"
    return f"Text must not contain control character U+{ord(found.group()):04X}"


def bad_json(document: Any) -> tuple[list[str | int], str] | None:
    """The location and reason of the first value that cannot be stored, or None."""
    stack: list[tuple[list[str | int], Any]] = [([], document)]
    while stack:
        loc, value = stack.pop()
        if len(loc) > MAX_DEPTH:
            return loc, f"JSON nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, str):
            if (why := bad_text(value)) is not None:
                return loc, why
        elif isinstance(value, dict):
            for key, inner in value.items():
                if (why := bad_text(key)) is not None:
                    return [*loc, key], why
                stack.append(([*loc, key], inner))
        elif isinstance(value, list):
            stack.extend(([*loc, n], inner) for n, inner in enumerate(value))
    return None


def printable(text: str) -> str:
    """Text safe to echo in an error: forbidden characters as \\uXXXX."""
    return FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _invalid(where: str, loc: list[str | int], why: str) -> Any:
    shown = [printable(p) if isinstance(p, str) else p for p in loc]
    errors = [{"loc": [where, *shown], "msg": why, "type": "value_error"}]
    return problem_response(422, "validation_error", errors, errors=errors)


class BoundsMiddleware:
    """`unchecked`: paths whose answer reads no input (a liveness probe), so no URL is refused
    there."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, unchecked: tuple[str, ...] = ()):
        self.app, self.max_body_bytes, self.unchecked = app, max_body_bytes, frozenset(unchecked)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.unchecked:
            await self.app(scope, receive, send)
            return
        refused = self._refuse_url(scope)
        if refused is None and scope["method"] in BODY_METHODS:
            body, refused = await self._read(scope, receive)
            if refused is None:
                refused = self._refuse_body(scope, body)
                receive = _replay(body, receive)
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refuse_url(self, scope: Scope) -> Any:
        if (why := bad_text(scope["path"])) is not None:
            return _invalid("path", [], why)
        try:
            fields = parse_qsl(
                scope["query_string"].decode(), keep_blank_values=True, errors="strict"
            )
        except UnicodeDecodeError:
            return _invalid("query", [], "The query string must be UTF-8")
        for name, value in fields:
            if (why := bad_text(name) or bad_text(value)) is not None:
                return _invalid("query", [name], why)
        return None

    async def _read(self, scope: Scope, receive: Receive) -> tuple[bytes, Any]:
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return b"", self._too_big()
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body_bytes:
                return b"", self._too_big()
            if not message.get("more_body"):
                break
        return b"".join(chunks), None

    def _too_big(self) -> Any:
        return problem_response(
            413, "payload_too_large", f"Request body over {self.max_body_bytes} bytes"
        )

    def _refuse_body(self, scope: Scope, body: bytes) -> Any:
        if not body:
            return None
        media_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip()
        if media_type == b"application/x-www-form-urlencoded":
            try:
                fields = parse_qsl(body.decode(), keep_blank_values=True, errors="strict")
            except UnicodeDecodeError:
                return _invalid("body", [], "The form must be UTF-8")
            for name, value in fields:
                if (why := bad_text(name) or bad_text(value)) is not None:
                    return _invalid("body", [name], why)
            return None
        try:
            document = json.loads(body)
        except RecursionError:
            return _invalid("body", [], f"JSON nested deeper than {MAX_DEPTH} levels")
        except UnicodeDecodeError:  # FastAPI would answer 400; API.md 1.7 says 422
            return _invalid("body", [], "The body must be UTF-8 JSON")
        except ValueError:
            return None  # not JSON: the route's own parsing answers it (422)
        found = bad_json(document)
        return None if found is None else _invalid("body", *found)


def _replay(body: bytes, original: Receive) -> Receive:
    """The body read here, once; then the connection's own messages (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await original()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive

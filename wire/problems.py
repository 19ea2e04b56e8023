"""Error bodies (API.md 1.5), and the handlers that produce them.

RFC 9457 members, sent as application/json unless the request's Accept names
application/problem+json: the app reads an error body only when its Content-Type contains
"application/json", and shows "An error occurred" otherwise (API.md 1.1, rev. 2)."""

import logging
import random
from http import HTTPStatus
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "https://vitaltrack.app/problems/"
PLAIN_JSON, PROBLEM_JSON = b"application/json", b"application/problem+json"

CODE_FOR_STATUS = {
    400: "bad_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "cursor_expired",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class Problem(Exception):
    """An HTTP error with its machine-readable code; raised by routers and mapped here."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: Any,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers
        self.extra = extra


def problem_body(status: int, code: str, detail: Any, **extra: Any) -> dict[str, Any]:
    """The error body of API.md 1.5, as plain JSON values."""
    body = {
        "type": PROBLEM_TYPE + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    return cast(dict[str, Any], jsonable_encoder(body, by_alias=True))


def problem_response(
    status: int, code: str, detail: Any, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = problem_body(status, code, detail, **extra)
    return JSONResponse(body, status_code=status, headers=headers)


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """FastAPI's error list, without echoing the input back (it may be a password)."""
    return [{"loc": list(e["loc"]), **_said(e)} for e in errors]


def _said(error: Any) -> dict[str, str]:
    """pydantic's words, except for text checked after a cleaning validator, which it
    counts in "items": "at most 255 items after validation" is said in characters."""
    text, context = isinstance(error.get("input"), str), error.get("ctx") or {}
    if text and error["type"] == "too_long":
        limit = context.get("max_length")
        return {"msg": f"String should have at most {limit} characters", "type": "string_too_long"}
    if text and error["type"] == "too_short":
        limit = context.get("min_length")
        unit = "character" if limit == 1 else "characters"
        return {"msg": f"String should have at least {limit} {unit}", "type": "string_too_short"}
    return {"msg": error["msg"], "type": error["type"]}


async def _on_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.code, exc.detail, exc.headers, **exc.extra)


async def _on_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc.errors())
    return problem_response(422, "validation_error", errors, errors=errors)


async def _on_http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = CODE_FOR_STATUS.get(exc.status_code, "error")
    return problem_response(exc.status_code, code, exc.detail, getattr(exc, "headers", None))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)


_request_ids = random.Random()  # seeded from the OS once; a request id need not be secret


class RequestIdMiddleware:
    """Tags each request with an X-Request-ID and turns unexpected errors into a generic 500."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = (  # unique enough to find a request; no syscall per request
            incoming
            if 0 < len(incoming) <= 64 and incoming.isprintable()
            else f"{_request_ids.getrandbits(64):016x}"
        )
        scope.setdefault("state", {})["request_id"] = request_id  # for the access log
        started = False
        problem_json = b"application/problem+json" in dict(scope["headers"]).get(b"accept", b"")

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = message.setdefault("headers", [])
                headers.append((b"x-request-id", request_id.encode()))
                if problem_json and message["status"] >= 400:
                    message["headers"] = [
                        (k, PROBLEM_JSON if k == b"content-type" and v == PLAIN_JSON else v)
                        for k, v in headers
                    ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception(
                "unhandled error in %s %s (request %s)", scope["method"], scope["path"], request_id
            )
            if started:
                raise
            response = problem_response(
                500, "internal_error", "Internal server error", requestId=request_id
            )
            await response(scope, receive, send_with_id)

"""Error bodies as the OpenAPI document states them (API.md 1.5), and `problems()`, which
routes use to declare the codes they can answer, each with its schema and an example.

The bodies themselves are built by wire/problems.py; these models only describe them,
and tests check the two agree (every answer the suite sees is validated against its schema).
"""

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from wire.problems import PROBLEM_JSON, PROBLEM_TYPE


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: body, query, path or header, then names")
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every non-2xx answer. `application/json` unless Accept names application/problem+json."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description=f"{PROBLEM_TYPE}<code>")
    title: str = Field(description="The status's phrase, e.g. Not Found")
    status: int
    code: str = Field(description="Machine-readable; see each response for the codes it uses")
    detail: str = Field(description="For people; the app shows it")


class ValidationErrorBody(ErrorBody):
    detail: list[FieldError] | str = Field(  # type: ignore[assignment]
        description="The failures (the app joins their msg), or one sentence"
    )
    errors: list[FieldError] | None = Field(None, description="The same list, when detail is one")


class ConflictErrorBody(ErrorBody):
    current: dict[str, Any] | None = Field(
        None, description="version_conflict: the resource as it is now"
    )
    server_version: int | None = Field(None, description="version_conflict: its version")
    server_quantity: int | None = Field(None, description="version_conflict on an item: stock")


class RetryErrorBody(ErrorBody):
    retryAfter: int = Field(description="Seconds; also the Retry-After header")


class InternalErrorBody(ErrorBody):
    requestId: str = Field(description="Quote it when reporting the failure")


# code: (status, when, detail of the example)
CODES: dict[str, tuple[int, str, str]] = {
    "bad_request": (400, "valid in shape, refused in meaning", "Category not found"),
    "not_authenticated": (401, "no bearer token", "Not authenticated"),
    "invalid_token": (401, "bad, expired or revoked token", "Could not validate credentials"),
    "invalid_credentials": (
        401,
        "wrong identifier or password",
        "Incorrect email/username or password",
    ),
    "account_disabled": (403, "the account is disabled", "Account is disabled"),
    "forbidden": (
        403,
        "the caller's role in the household does not allow it",
        "Viewers can read this household's supplies but not change them",
    ),
    "not_found": (404, "unknown id, or another household's", "Item not found"),
    "conflict": (409, "the name or address is taken", "Email already registered"),
    "version_conflict": (
        409,
        "expectedVersion/If-Match is not current",
        "The resource was changed by someone else",
    ),
    "insufficient_stock": (
        409,
        "the change would make stock negative",
        "Not enough stock for this change",
    ),
    "invalid_transition": (
        409,
        "the order's status does not allow it",
        "Cannot change order status from 'received' to 'pending'",
    ),
    "already_applied": (
        409,
        "the order was applied already",
        "Order has already been applied to stock",
    ),
    "idempotency_in_progress": (
        409,
        "the first request with this key still runs",
        "A request with this Idempotency-Key is still being processed",
    ),
    "cursor_expired": (
        410,
        "the sync cursor is not retained",
        "Cursor expired; pull again without a cursor",
    ),
    "payload_too_large": (413, "the body is over the limit", "Request body over 1048576 bytes"),
    "validation_error": (422, "the input fails its schema or bounds", "see detail"),
    "idempotency_key_reused": (
        422,
        "the key was used for another request",
        "This Idempotency-Key was used for a different request",
    ),
    "rate_limited": (429, "too many attempts", "Too many attempts. Please try again later."),
    "internal_error": (500, "a bug; nothing was changed", "Internal server error"),
    "unavailable": (
        503,
        "the database is briefly unreachable",
        "The service is briefly unavailable; try again shortly",
    ),
}
MODELS: dict[int, type[ErrorBody]] = {
    409: ConflictErrorBody,
    422: ValidationErrorBody,
    429: RetryErrorBody,
    500: InternalErrorBody,
    503: RetryErrorBody,
}
HEADERS = {
    401: {"WWW-Authenticate": "Bearer"},
    429: {"Retry-After": "Seconds until a new attempt can succeed"},
    503: {"Retry-After": "Seconds until a new attempt can succeed"},
}
ALWAYS = ("validation_error", "internal_error")  # path and query are checked on every route
AUTHENTICATED = ("not_authenticated", "invalid_token", "unavailable")
WITH_BODY = ("payload_too_large",)
KEYED = ("idempotency_in_progress", "idempotency_key_reused")  # the Idempotency-Key header
# A member's request (API.md 12): X-Household-Id naming a household not the caller's is 404;
# a member removed from its session's household, or a viewer writing, is 403.
MEMBER = ("not_found", "forbidden")


def _example(code: str) -> dict[str, Any]:
    status, _, detail = CODES[code]
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if code == "validation_error":
        failure = {"loc": ["body", "name"], "msg": "Field required", "type": "missing"}
        body.update(detail=[failure], errors=[failure])
    elif code == "version_conflict":
        body.update(current={"id": "…", "version": 4}, server_version=4, server_quantity=12)
    elif status in (429, 503):
        body["retryAfter"] = 30
    elif status == 500:
        body["requestId"] = "5f0c3b9a1d2e4f60"
    return body


def problems(*codes: str, pages: bool = False) -> dict[int | str, dict[str, Any]]:
    """The `responses` of an operation that can answer these codes (and the ones every
    operation can: validation_error, internal_error), grouped by status. With `pages`, a
    400 may also be an HTML page (a form posted from a browser)."""
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys((*codes, *ALWAYS)):
        by_status.setdefault(CODES[code][0], []).append(code)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, group in sorted(by_status.items()):
        model = MODELS.get(status, ErrorBody)
        examples = {c: {"summary": CODES[c][1], "value": _example(c)} for c in group}
        ref = {"$ref": f"#/components/schemas/{model.__name__}"}
        responses[status] = {  # no "model": FastAPI would file it under an HTML route's type
            "description": "; ".join(f"`{c}`: {CODES[c][1]}" for c in group),
            "content": {
                "application/json": {"schema": ref, "examples": examples},
                PROBLEM_JSON.decode(): {"schema": ref, "examples": examples},
            },
        }
        if pages and status == 400:
            responses[status]["content"]["text/html"] = {"schema": {"type": "string"}}
        if status in HEADERS:
            responses[status]["headers"] = {
                name: {"description": text, "schema": {"type": "string"}}
                for name, text in HEADERS[status].items()
            }
    return responses


def etag(status: int = 200) -> dict[int | str, dict[str, Any]]:
    """A success carrying one resource sends its version as ETag (API.md 1.4)."""
    header = {"description": 'The version, quoted: send it back as If-Match, e.g. "3"'}
    return {status: {"headers": {"ETag": {**header, "schema": {"type": "string"}}}}}


def document_error_bodies(app: FastAPI) -> None:
    """Add the error bodies to the document's schemas, which `problems()` refers to."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()  # FastAPI's, which also keeps it in app.openapi_schema
        models = [(m, "validation") for m in (ErrorBody, *MODELS.values())]
        _, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")  # type: ignore[arg-type]
        document.setdefault("components", {}).setdefault("schemas", {}).update(defs["$defs"])
        return document

    app.openapi = openapi  # type: ignore[method-assign]

"""The OpenAPI document as clients read it: FastAPI's, plus an example for every schema (the
resources and the main request bodies carry theirs, wire/examples.py; the pages, the small
bodies, health and the error bodies get theirs here, where every model is in reach), bounds
written as the integers they are (FastAPI writes 999999.0, and 2**63-1 as a float no server
accepts), and no 422 on the operations that read no input."""

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from command.accounts.recovery import VerifiedOut
from command.accounts.requests import (
    ChangePasswordIn,
    EmailIn,
    LogoutIn,
    ProfileIn,
    RefreshIn,
    TokenIn,
)
from command.items.requests import Count
from command.orders.requests import OrderItemIn
from vitaltrack import health
from wire import examples as ex
from wire.activity import Activities, ActivityPage, Actor, HistoryPage
from wire.base import MessageOut
from wire.categories import CategoryCountList, CategoryList, CountOut
from wire.errors import (
    ConflictErrorBody,
    ErrorBody,
    FieldError,
    InternalErrorBody,
    RetryErrorBody,
    ValidationErrorBody,
    example_body,
)
from wire.households import HouseholdSummary, MemberOut, Person
from wire.items import ItemPage, NeedsAttention
from wire.orders import OrderItemOut, OrderPage
from wire.planning import Drift, ExpiringEntry, ExpiringItem, ForecastEntry, PlannedItem
from wire.sync import OperationIn, ResultOut

BOUNDS = ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf")
PAGE = {"total": 1, "page": 1, "pageSize": 50, "hasMore": False}
PROJECTION = {"name": "items", "position": 8811, "head": 8811, "lag": 0, "lagSeconds": 0.0}
TOKEN = "q3v7Yh0pZr1cX8sWmB2nL5tK9aQe4uJd"
JWK = {"kty": "RSA", "kid": "3f1c…", "use": "sig", "alg": "RS256", "n": "0vx7…", "e": "AQAB"}
EXAMPLES: dict[type[BaseModel], dict[str, Any]] = {
    CategoryList: {"categories": [ex.CATEGORY], "total": 1},
    CategoryCountList: {"categories": [{**ex.CATEGORY, "itemCount": 12}], "total": 1},
    CountOut: {"count": 8},
    ItemPage: {"items": [ex.ITEM], **PAGE},
    NeedsAttention: {"items": [ex.ITEM], "total": 1, "outOfStockCount": 0, "lowStockCount": 1},
    OrderItemIn: {"itemId": ex.ITEM_ID, "quantity": 50, "isEssential": True},
    OrderItemOut: ex.ORDER_LINE,
    OrderPage: {"orders": [ex.ORDER], **PAGE, "pageSize": 20},
    ActivityPage: {"entries": [ex.ACTIVITY], **PAGE},
    Activities: {"activities": [ex.ACTIVITY], "total": 1},
    Actor: {"userId": ex.USER_ID, "name": "Ann", "via": "api"},
    HistoryPage: {"entries": [ex.HISTORY], **PAGE},
    OperationIn: ex.OPERATION,
    ResultOut: ex.RESULT,
    MessageOut: {"message": "Successfully logged out", "success": True},
    VerifiedOut: {"message": "Email verified successfully", "is_verified": True},
    RefreshIn: {"refresh_token": TOKEN},
    LogoutIn: {"refresh_token": TOKEN},
    ProfileIn: {"name": "Asha Rao", "phone": "+91 98765 43210"},
    ChangePasswordIn: {"current_password": "Oxygen-2026", "new_password": "Suction-2027"},
    EmailIn: {"email": "asha@example.com"},
    TokenIn: {"token": TOKEN},
    health.InfoOut: health.INFO,
    health.LiveOut: {"status": "alive"},
    health.HealthOut: {
        "status": "healthy",
        "version": "0.1.0",
        "environment": "production",
        "database": "connected",
        "timestamp": ex.AT,
    },
    health.ProjectionOut: {**PROJECTION, "quarantined": 0, "problems": []},
    health.ReadyOut: {
        "status": "ready",
        "database": "connected",
        "projections": [{**PROJECTION, "quarantined": 0, "problems": []}],
    },
    health.JwksOut: {"keys": [JWK]},
    PlannedItem: ex.PLANNED,
    ForecastEntry: ex.FORECAST_ENTRY,
    ExpiringEntry: ex.EXPIRING_ENTRY,
    ExpiringItem: ex.EXPIRING_ITEM,
    Count: ex.COUNTED,
    Drift: ex.DRIFT,
    HouseholdSummary: ex.HOUSEHOLD_SUMMARY,
    MemberOut: ex.MEMBER,
    Person: ex.INVITER,
    FieldError: {"loc": ["body", "name"], "msg": "Field required", "type": "missing"},
    ErrorBody: example_body("not_found"),
    ConflictErrorBody: example_body("version_conflict"),
    ValidationErrorBody: example_body("validation_error"),
    RetryErrorBody: example_body("rate_limited"),
    InternalErrorBody: example_body("internal_error"),
}


def polish_document(app: FastAPI, reads_nothing: Iterable[str]) -> None:
    """Wrap app.openapi (after the error bodies are documented) with the changes above."""
    build, quiet = app.openapi, set(reads_nothing)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()  # kept in app.openapi_schema: changed in place below
        schemas = document["components"]["schemas"]
        for model, body in EXAMPLES.items():
            schemas[model.__name__].setdefault("examples", [body])
        for path in quiet:  # nothing to validate, so nothing to refuse
            for operation in document["paths"][path].values():
                operation["responses"].pop("422", None)
        _integral_bounds(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _integral_bounds(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in BOUNDS and isinstance(value, float) and value.is_integer():
                node[key] = int(value)
            else:
                _integral_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _integral_bounds(value)

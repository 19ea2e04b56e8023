"""Domain exceptions of the write side, mapped to problem responses in one place."""

import json
from collections.abc import Callable
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from command.accounts.handlers import InvalidCredentials
from command.accounts.passwords import WrongPassword
from command.accounts.responses import user_out
from command.accounts.tables import InvalidOneTimeToken
from command.categories.handlers import DefaultCategoryKept
from command.categories.responses import category_out
from command.items.handlers import CategoryMissing
from command.items.responses import item_out
from command.orders.handlers import OrderedItemMissing
from command.orders.responses import order_out
from command.preconditions import VersionConflict
from events.category import Category, CategoryNameTaken, CategoryNotFound
from events.item import InsufficientStock, Item, ItemNotFound, StockLimitExceeded
from events.order import AlreadyApplied, InvalidTransition, Order, OrderNotFound
from events.user import AccountDisabled, EmailTaken, User, UsernameTaken
from infra.security.sessions import InvalidRefreshToken
from wire.problems import Problem, problem_response

# exception -> (status, code, detail); None as detail means "the exception's own message"
PROBLEMS: dict[type[Exception], tuple[int, str, str | None]] = {
    AggregateNotFoundError: (404, "not_found", "Not found"),
    CategoryNotFound: (404, "not_found", "Category not found"),
    ItemNotFound: (404, "not_found", "Item not found"),
    OrderNotFound: (404, "not_found", "Order not found"),
    CategoryMissing: (400, "bad_request", "Category not found"),
    OrderedItemMissing: (400, "bad_request", "Item not found"),
    CategoryNameTaken: (409, "conflict", "A category with this name already exists"),
    DefaultCategoryKept: (409, "conflict", "Default categories cannot be deleted"),
    EmailTaken: (409, "conflict", "Email already registered"),
    UsernameTaken: (409, "conflict", "Username already taken"),
    VersionConflict: (409, "version_conflict", "The resource was changed by someone else"),
    InsufficientStock: (409, "insufficient_stock", "Not enough stock for this change"),
    StockLimitExceeded: (422, "validation_error", "Quantity cannot exceed 999999"),
    InvalidTransition: (409, "invalid_transition", None),
    AlreadyApplied: (409, "already_applied", "Order has already been applied to stock"),
    InvalidCredentials: (401, "invalid_credentials", "Incorrect email/username or password"),
    InvalidRefreshToken: (401, "invalid_token", "Invalid or expired refresh token"),
    WrongPassword: (400, "bad_request", "Current password is incorrect"),
    InvalidOneTimeToken: (400, "bad_request", "Invalid or expired token"),
    AccountDisabled: (403, "account_disabled", "Account is disabled"),
}

# aggregate type -> its wire shape, for the `current` member of conflicts
WIRE: dict[type, Callable[[Any], Any]] = {
    Category: category_out,
    Item: item_out,
    Order: order_out,
    User: user_out,
}


def _response(exc: Exception, status: int, code: str, detail: str | None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    extra = {}
    current = getattr(exc, "current", None)
    if current is not None:
        extra["current"] = WIRE[type(current)](current)
    if isinstance(exc, VersionConflict):  # read by the newer app (API.md 1.4 rev. 2)
        extra["server_version"] = exc.current.version
        if isinstance(current, Item):
            extra["server_quantity"] = current.quantity
    message = detail or str(exc)
    if code == "validation_error":  # the list form, as every validation error (API.md 1.5)
        errors = [{"loc": ["body"], "msg": message, "type": "value_error"}]
        return problem_response(status, code, errors, headers, errors=errors, **extra)
    return problem_response(status, code, message, headers, **extra)


def _handler(status: int, code: str, detail: str | None) -> Callable[[Request, Exception], Any]:
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        return _response(exc, status, code, detail)

    return handle


def problem_of(exc: Exception) -> tuple[int, Any] | None:
    """The status and body a refusal answers, to remember it for an Idempotency-Key."""
    if isinstance(exc, Problem):
        response = problem_response(exc.status, exc.code, exc.detail, **exc.extra)
    elif (mapped := PROBLEMS.get(type(exc))) is not None:
        response = _response(exc, *mapped)
    else:
        return None
    return response.status_code, json.loads(bytes(response.body))


def install_command_errors(app: FastAPI) -> None:
    for exc_type, (status, code, detail) in PROBLEMS.items():
        app.add_exception_handler(exc_type, _handler(status, code, detail))

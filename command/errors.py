"""Domain exceptions of the write side, mapped to problem responses in one place."""

from collections.abc import Callable
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from command.accounts.handlers import InvalidCredentials
from command.accounts.passwords import WrongPassword
from command.accounts.tables import InvalidOneTimeToken
from command.accounts.views import user_out
from command.categories.views import category_out
from command.preconditions import VersionConflict
from events.category import Category, CategoryNameTaken, CategoryNotFound
from events.user import AccountDisabled, EmailTaken, User, UsernameTaken
from vitaltrack.problems import problem_response
from vitaltrack.security.sessions import InvalidRefreshToken

# exception -> (status, code, detail)
SIMPLE: dict[type[Exception], tuple[int, str, str]] = {
    CategoryNotFound: (404, "not_found", "Category not found"),
    AggregateNotFoundError: (404, "not_found", "Not found"),
    CategoryNameTaken: (409, "conflict", "A category with this name already exists"),
    EmailTaken: (409, "conflict", "Email already registered"),
    UsernameTaken: (409, "conflict", "Username already taken"),
    InvalidCredentials: (401, "invalid_credentials", "Incorrect email/username or password"),
    InvalidRefreshToken: (401, "invalid_token", "Invalid or expired refresh token"),
    WrongPassword: (400, "bad_request", "Current password is incorrect"),
    InvalidOneTimeToken: (400, "bad_request", "Invalid or expired token"),
    AccountDisabled: (403, "account_disabled", "Account is disabled"),
}

# aggregate type -> its wire shape, for the `current` member of a version conflict
WIRE: dict[type, Callable[[Any], Any]] = {Category: category_out, User: user_out}


def _simple(status: int, code: str, detail: str) -> Callable[[Request, Exception], Any]:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None

    async def handle(_request: Request, _exc: Exception) -> JSONResponse:
        return problem_response(status, code, detail, headers)

    return handle


async def _version_conflict(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VersionConflict)
    current = WIRE[type(exc.current)](exc.current)
    return problem_response(
        409, "version_conflict", "The resource was changed by someone else", current=current
    )


def install_command_errors(app: FastAPI) -> None:
    for exc_type, (status, code, detail) in SIMPLE.items():
        app.add_exception_handler(exc_type, _simple(status, code, detail))
    app.add_exception_handler(VersionConflict, _version_conflict)

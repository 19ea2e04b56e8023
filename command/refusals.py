"""How the write side's refusals answer over HTTP: each feature owns its map (its
`refusals.py`); the composition root joins them into one `Refusals`, which installs the
exception handlers and renders a refusal for an Idempotency-Key to remember."""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from eventsourcing.application import AggregateNotFoundError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from command.preconditions import VersionConflict
from wire.problems import Problem, problem_response


class Refusal(NamedTuple):
    status: int
    code: str
    detail: str | None  # None: the exception's own message


Shape = Callable[[Any], Any]  # an aggregate in its wire shape, for a conflict's `current`

# Refusals of the shared kernels, whatever the feature.
COMMON: Mapping[type[Exception], Refusal] = {
    AggregateNotFoundError: Refusal(404, "not_found", "Not found"),
    VersionConflict: Refusal(409, "version_conflict", "The resource was changed by someone else"),
}


@dataclass(frozen=True)
class Refusals:
    table: Mapping[type[Exception], Refusal]
    shapes: Mapping[type, Shape]  # aggregate type -> its wire shape

    @classmethod
    def join(
        cls, *features: tuple[Mapping[type[Exception], Refusal], Mapping[type, Shape]]
    ) -> "Refusals":
        table: dict[type[Exception], Refusal] = dict(COMMON)
        shapes: dict[type, Shape] = {}
        for refusals, shaped in features:
            table.update(refusals)
            shapes.update(shaped)
        return cls(table, shapes)

    def install(self, app: FastAPI) -> None:
        for exc_type in self.table:
            app.add_exception_handler(exc_type, self._handle)

    async def _handle(self, _request: Request, exc: Exception) -> JSONResponse:
        return self.response(exc)

    def response(self, exc: Exception) -> JSONResponse:
        status, code, detail = self.table[type(exc)]
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        extra = {}
        current = getattr(exc, "current", None)
        if current is not None:
            extra["current"] = self.shapes[type(current)](current)
        if isinstance(exc, VersionConflict):  # read by the newer app (API.md 1.4 rev. 2)
            extra["server_version"] = exc.current.version
            if hasattr(exc.current, "quantity"):
                extra["server_quantity"] = exc.current.quantity
        message = detail or str(exc)
        if code == "validation_error":  # the list form, as every validation error (API.md 1.5)
            errors = [{"loc": ["body"], "msg": message, "type": "value_error"}]
            return problem_response(status, code, errors, headers, errors=errors, **extra)
        return problem_response(status, code, message, headers, **extra)

    def problem_of(self, exc: Exception) -> tuple[int, Any] | None:
        """The status and body a refusal answers, to remember it for an Idempotency-Key."""
        if isinstance(exc, Problem):
            response = problem_response(exc.status, exc.code, exc.detail, **exc.extra)
        elif type(exc) in self.table:
            response = self.response(exc)
        else:
            return None
        return response.status_code, json.loads(bytes(response.body))

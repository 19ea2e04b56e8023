"""Database unavailability answers 503 with Retry-After, never 500 (issue 12): installed by
the composition root, which knows every driver the layers use."""

import logging

import psycopg
from eventsourcing import persistence
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from events.pool import DatabaseUnavailable
from infra.database import UNREACHABLE
from wire.problems import problem_response

logger = logging.getLogger(__name__)

# The database cannot be reached (down, restarting, out of connections): 503, not 500, and
# the client is told when to try again.
UNAVAILABLE: tuple[type[Exception], ...] = (
    *UNREACHABLE,  # asyncpg's
    DatabaseUnavailable,  # no connection in DB_CONNECT_TIMEOUT (events/pool.py)
    persistence.OperationalError,
    persistence.InterfaceError,
    psycopg.OperationalError,
)
RETRY_AFTER_SECONDS = 5


async def _on_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable for %s %s: %r", request.method, request.url.path, exc)
    return problem_response(
        503,
        "unavailable",
        "The service is briefly unavailable; try again shortly",
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
        retryAfter=RETRY_AFTER_SECONDS,
    )


def install_unavailable_handlers(app: FastAPI) -> None:
    for exc_type in UNAVAILABLE:
        app.add_exception_handler(exc_type, _on_unavailable)

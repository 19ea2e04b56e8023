"""The FastAPI application: routers, middleware, error handlers, and a lifespan that opens the
services (vitaltrack/services.py) and runs the background tasks."""

import asyncio
import contextlib
import functools
import gc
import logging
import os
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from command.accounts.email_pages import router as email_change_pages
from command.accounts.invitation_pages import router as invitation_pages
from command.accounts.links import router as account_links
from command.accounts.recovery import router as account_recovery
from command.accounts.routes import router as account_commands
from command.categories.routes import router as category_commands
from command.households.routes import router as household_commands
from command.items.routes import router as item_commands
from command.orders.routes import router as order_commands
from command.sync.routes import router as sync_commands
from events.clock import stamp_with
from infra.clock import Clock, SystemClock
from infra.database import Database
from infra.mail.delivery import OutboxSender, mailer_for
from infra.security.tokens import KeyRing
from infra.settings import Settings
from infra.supervision import supervise
from projections.catalog import all_projections
from projections.runner import ReadModelRunner
from query.accounts.routes import router as account_queries
from query.activity.routes import router as activity_queries
from query.categories.routes import router as category_queries
from query.households.routes import router as household_queries
from query.items.routes import router as item_queries
from query.orders.routes import router as order_queries
from query.planning.routes import router as planning_queries
from query.sync.routes import router as sync_queries
from vitaltrack import __version__, health
from vitaltrack.observability import AccessLogMiddleware, HttpMetrics, configure_logging
from vitaltrack.openapi import polish_document
from vitaltrack.services import REFUSALS, SHUTDOWN_GRACE_SECONDS, Services, opened, provide
from vitaltrack.unavailable import install_unavailable_handlers
from wire.bounds import BoundsMiddleware
from wire.errors import document_error_bodies, problems
from wire.head import HeadAsGet
from wire.headers import SecurityHeadersMiddleware
from wire.problems import RequestIdMiddleware, install_problem_handlers
from wire.read_side import ReadSideHeader

logger = logging.getLogger(__name__)

PROJECTIONS_ENV = "VITALTRACK_RUN_PROJECTIONS"  # set by `serve --workers` for its workers

DOCUMENTED_ORDER = (
    "health",
    "auth",
    "households",
    "categories",
    "items",
    "orders",
    "activity",
    "sync",
)
# A request is matched against the routes in this order: the busiest first (no two routers
# share a path and method, so the order changes nothing else).
ROUTERS = (
    planning_queries,  # before item_queries: /items/forecast is not an item's id
    item_queries,
    item_commands,
    sync_commands,
    sync_queries,
    category_queries,
    category_commands,
    order_queries,
    order_commands,
    activity_queries,
    household_queries,
    household_commands,
    invitation_pages,
    account_commands,
    account_recovery,
    account_links,
    email_change_pages,
    account_queries,
    health.router,
)


def create_app(
    settings: Settings,
    database: Database,
    *,
    run_projections: bool = True,
    clock: Clock | None = None,
) -> FastAPI:
    """Build the API. With run_projections the read tables are kept current in-process.
    `clock` is the process's one clock (events, forecasts, the digest): the system's if none."""
    clock = clock or SystemClock()
    stamp_with(clock.now)
    keyring = KeyRing.from_settings(settings)  # a bad key stops us here, before serving
    metrics = HttpMetrics()
    app = FastAPIOffline(  # /docs and /redoc served from the package, not a CDN (work offline)
        title="VitalTrack API",
        version=__version__,
        lifespan=_lifespan(settings, database, clock, keyring, metrics, run_projections),
        # Our own access log and /metrics cover it; FastAPI's OpenTelemetry hooks would look
        # up providers (environment variables) on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        responses=problems(),  # path and query are checked on every route (bounds)
        openapi_tags=[{"name": tag} for tag in DOCUMENTED_ORDER],
    )
    _install_error_handlers(app)
    _install_middleware(app, settings, metrics)
    for router in ROUTERS:
        app.include_router(router)
    return app


def _lifespan(
    settings: Settings,
    database: Database,
    clock: Clock,
    keyring: KeyRing,
    metrics: HttpMetrics,
    run_projections: bool,
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with opened(settings, database, clock, keyring, metrics) as services:
            provide(app, services)
            background = _start_background(services, database, run_projections)
            # What start-up built (modules, routes, models: most of the heap) lives as long
            # as the process: out of the collector's way, so a full collection stops the
            # loop for a moment instead of ~100 ms (p99 of small reads 90-120 -> 40-60 ms,
            # bench/README).
            gc.freeze()
            try:
                yield
            finally:
                await _stop(background)
                gc.unfreeze()  # collectable again (tests run many apps in one process)

    return lifespan


def _start_background(
    services: Services, database: Database, run_projections: bool
) -> list[asyncio.Task[None]]:
    """The mail sender, the projection runner (unless another process runs it) and the
    daily digest (if enabled), each restarted if it fails."""
    settings = services.settings
    sender = OutboxSender(services.pool, mailer_for(settings), settings.smtp_from)
    background = [asyncio.create_task(supervise("email sender", sender.run), name="email")]
    if run_projections:
        projector = ReadModelRunner(
            database.asyncpg_dsn, all_projections(), settings.projection_batch_size
        )
        running = supervise("projection runner", projector.run)
        background.append(asyncio.create_task(running, name="projections"))
    if settings.digest_enabled:
        ticking = functools.partial(services.digest.run_forever, settings.digest_interval_seconds)
        background.append(asyncio.create_task(supervise("daily digest", ticking), name="digest"))
    return background


async def _stop(background: list[asyncio.Task[None]]) -> None:
    for task in background:
        task.cancel()
    _, stuck = await asyncio.wait(background, timeout=SHUTDOWN_GRACE_SECONDS)
    for task in stuck:
        logger.error("background task %s did not stop in time", task.get_name())


def _install_error_handlers(app: FastAPI) -> None:
    install_problem_handlers(app)
    document_error_bodies(app)
    polish_document(app, health.READS_NOTHING)
    install_unavailable_handlers(app)
    REFUSALS.install(app)


def _install_middleware(app: FastAPI, settings: Settings, metrics: HttpMetrics) -> None:
    """Outermost last: a request passes them from the bottom of this list up."""
    app.add_middleware(HeadAsGet)  # innermost: only the routing sees a GET
    app.add_middleware(ReadSideHeader)
    app.add_middleware(
        BoundsMiddleware, max_body_bytes=settings.max_body_bytes, unchecked=health.READS_NOTHING
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(AccessLogMiddleware, metrics=metrics)
    app.add_middleware(SecurityHeadersMiddleware, hsts_max_age=settings.hsts_max_age)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "Retry-After", "Idempotent-Replayed", "X-Request-ID"],
        )


def from_environment() -> FastAPI:
    """The app of a `serve --workers N` worker process: settings from the environment, where
    serve has put the database it opened (the embedded one included)."""
    settings = Settings()
    configure_logging(settings)
    run_projections = os.environ.get(PROJECTIONS_ENV, "1") == "1"
    assert settings.database_url is not None
    return create_app(
        settings, Database.parse(settings.database_url), run_projections=run_projections
    )

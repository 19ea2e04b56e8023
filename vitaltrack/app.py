"""The FastAPI application: routers, error handlers, and the resources its lifespan owns."""

import asyncio
import contextlib
import functools
import gc
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import asyncpg
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from command.accounts import refusals as account_refusals
from command.accounts.email_pages import router as email_change_pages
from command.accounts.invitation_pages import router as invitation_pages
from command.accounts.links import router as account_links
from command.accounts.recovery import router as account_recovery
from command.accounts.routes import router as account_commands
from command.accounts.services import AccountServices
from command.categories import refusals as category_refusals
from command.categories.routes import router as category_commands
from command.households import refusals as household_refusals
from command.households.routes import HouseholdViews
from command.households.routes import router as household_commands
from command.idempotency import IdempotencyKeys
from command.items import refusals as item_refusals
from command.items.routes import router as item_commands
from command.orders import refusals as order_refusals
from command.orders.routes import router as order_commands
from command.refusals import Refusals
from command.sync.routes import router as sync_commands
from events.clock import stamp_with
from events.erasure import ERASED_CHANNEL
from events.store import Store
from infra.clock import Clock, SystemClock
from infra.database import Database
from infra.listener import Listener
from infra.mail.delivery import OutboxSender, mailer_for
from infra.security.memberships import Memberships
from infra.security.rate_limits import RateLimiter
from infra.security.revocations import Revocations
from infra.security.tokens import KeyRing
from infra.settings import Settings
from infra.supervision import supervise
from infra.watermark import Watermark
from projections.catalog import all_projections
from projections.runner import ReadModelRunner
from query.accounts.routes import router as account_queries
from query.activity.routes import router as activity_queries
from query.categories.routes import router as category_queries
from query.households.queries import household_view, households_of, invitation_view
from query.households.routes import router as household_queries
from query.items.routes import router as item_queries
from query.orders.routes import router as order_queries
from query.planning.digest import DailyDigest
from query.planning.queries import suggested_lines
from query.planning.routes import router as planning_queries
from query.sync.routes import pull_for
from query.sync.routes import router as sync_queries
from vitaltrack import __version__, health
from vitaltrack.observability import AccessLogMiddleware, HttpMetrics, configure_logging
from vitaltrack.openapi import polish_document
from vitaltrack.unavailable import install_unavailable_handlers
from wire.bounds import BoundsMiddleware
from wire.errors import document_error_bodies, problems
from wire.head import HeadAsGet
from wire.headers import SecurityHeadersMiddleware
from wire.problems import RequestIdMiddleware, install_problem_handlers
from wire.read_side import ReadSideHeader

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10
PROJECTIONS_ENV = "VITALTRACK_RUN_PROJECTIONS"  # set by `serve --workers` for its workers


def _forget(store: Store) -> Callable[[], Awaitable[None]]:
    async def forget() -> None:  # an erasure may have happened while the listener was away
        store.forget_cached()

    return forget


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

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(
            database.asyncpg_dsn,
            min_size=1,
            max_size=settings.db_pool_size,
            timeout=settings.db_connect_timeout,  # to connect (asyncpg's default: 60 s)
        )
        env = database.eventsourcing_env(settings.db_pool_size, settings.db_connect_timeout)
        store = Store(env=env)
        listener = Listener(database.asyncpg_dsn, pool)
        listener.subscribe(ERASED_CHANNEL, lambda _owner: store.forget_cached(), _forget(store))
        watermark = Watermark(pool, listener, settings.read_your_writes_timeout)
        lifetime = timedelta(minutes=settings.access_token_expire_minutes)
        app.state.revocations = Revocations(pool, listener, lifetime)
        app.state.memberships = Memberships(pool, listener)
        await listener.start()
        await watermark.resync()
        await app.state.revocations.resync()
        runner = None
        if run_projections:
            projector = ReadModelRunner(
                database.asyncpg_dsn, all_projections(), settings.projection_batch_size
            )
            runner = asyncio.create_task(
                supervise("projection runner", projector.run), name="projections"
            )
        sender = OutboxSender(pool, mailer_for(settings), settings.smtp_from)
        background = [asyncio.create_task(supervise("email sender", sender.run), name="email")]
        if runner is not None:
            background.append(runner)
        app.state.digest = DailyDigest(pool, clock)
        if settings.digest_enabled:
            ticking = functools.partial(
                app.state.digest.run_forever, settings.digest_interval_seconds
            )
            background.append(
                asyncio.create_task(supervise("daily digest", ticking), name="digest")
            )
        app.state.suggestions = functools.partial(suggested_lines, pool, clock)
        app.state.pool, app.state.store, app.state.watermark = pool, store, watermark
        app.state.listener = listener
        app.state.rate_limiter = RateLimiter(pool, settings)
        app.state.idempotency = IdempotencyKeys(pool)
        # What start-up built (modules, routes, models: most of the heap) lives as long as
        # the process: out of the collector's way, so a full collection stops the loop for
        # a moment instead of ~100 ms (p99 of small reads 90-120 -> 40-60 ms, bench/README).
        gc.freeze()
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            _, stuck = await asyncio.wait(background, timeout=SHUTDOWN_GRACE_SECONDS)
            for task in stuck:
                logger.error("background task %s did not stop in time", task.get_name())
            await listener.stop()
            try:  # after a database restart some connections are dead: close what is left
                await asyncio.wait_for(pool.close(), SHUTDOWN_GRACE_SECONDS)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pool.terminate()
            store.close()
            gc.unfreeze()  # collectable again (tests run many apps in one process)

    app = FastAPIOffline(  # /docs and /redoc served from the package, not a CDN (work offline)
        title="VitalTrack API",
        version=__version__,
        lifespan=lifespan,
        # Our own access log and /metrics cover it; FastAPI's OpenTelemetry hooks would look
        # up providers (environment variables) on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        responses=problems(),  # path and query are checked on every route (bounds)
        openapi_tags=[{"name": tag} for tag in DOCUMENTED_ORDER],
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.sync_puller = pull_for  # /sync/full pulls through the read side
    app.state.household_views = HouseholdViews(household_view, households_of, invitation_view)
    app.state.keyring = KeyRing.from_settings(settings)
    app.state.accounts = AccountServices.from_settings(settings)
    install_problem_handlers(app)
    document_error_bodies(app)
    polish_document(app, health.READS_NOTHING)
    install_unavailable_handlers(app)
    app.state.refusals = Refusals.join(
        account_refusals.FEATURE,
        category_refusals.FEATURE,
        household_refusals.FEATURE,
        item_refusals.FEATURE,
        order_refusals.FEATURE,
    )
    app.state.refusals.install(app)
    app.add_middleware(HeadAsGet)  # innermost: only the routing sees a GET
    app.add_middleware(ReadSideHeader)
    app.add_middleware(
        BoundsMiddleware, max_body_bytes=settings.max_body_bytes, unchecked=health.READS_NOTHING
    )
    app.add_middleware(RequestIdMiddleware)
    app.state.http_metrics = HttpMetrics()
    app.add_middleware(AccessLogMiddleware, metrics=app.state.http_metrics)
    app.add_middleware(SecurityHeadersMiddleware, hsts_max_age=settings.hsts_max_age)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "Retry-After", "Idempotent-Replayed", "X-Request-ID"],
        )
    # A request is matched against the routes in this order: the busiest first (no two
    # routers share a path and method, so the order changes nothing else).
    for router in (
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
    ):
        app.include_router(router)
    return app


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

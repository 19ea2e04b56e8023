"""The app's services: made once when a process starts, read by every layer's dependencies."""

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
from starlette.applications import Starlette

from command.accounts import refusals as account_refusals
from command.accounts.deps import WithAccounts
from command.accounts.services import AccountServices
from command.categories import refusals as category_refusals
from command.deps import CommandServices
from command.households import refusals as household_refusals
from command.households.routes import HouseholdServices, HouseholdViews
from command.idempotency import IdempotencyKeys
from command.items import refusals as item_refusals
from command.orders import refusals as order_refusals
from command.orders.routes import WithSuggestions
from command.orders.suggested import Suggestions
from command.refusals import Refusals
from command.sync.routes import Puller, WithPuller
from events.erasure import ERASED_CHANNEL
from events.store import Store
from infra.clock import Clock
from infra.database import Database
from infra.deps import Adapters, services_of
from infra.listener import Listener
from infra.security.memberships import Memberships
from infra.security.rate_limits import RateLimiter
from infra.security.revocations import Revocations
from infra.security.tokens import KeyRing
from infra.settings import Settings
from infra.watermark import Watermark
from query.households.queries import household_view, households_of, invitation_view
from query.planning.digest import DailyDigest
from query.planning.queries import suggested_lines
from query.sync.routes import pull_for
from vitaltrack.observability import HttpMetrics

REFUSALS = Refusals.join(
    account_refusals.FEATURE,
    category_refusals.FEATURE,
    household_refusals.FEATURE,
    item_refusals.FEATURE,
    order_refusals.FEATURE,
)
SHUTDOWN_GRACE_SECONDS = 10


@dataclass(frozen=True)
class Services(
    Adapters, CommandServices, WithAccounts, HouseholdServices, WithSuggestions, WithPuller
):
    """Everything a request uses. Each layer's dependencies read it as the Protocol of what
    they need; those Protocols are its bases, so mypy checks that it provides each."""

    settings: Settings
    clock: Clock
    keyring: KeyRing
    http_metrics: HttpMetrics
    pool: asyncpg.Pool
    store: Store
    listener: Listener
    watermark: Watermark
    revocations: Revocations
    memberships: Memberships
    rate_limiter: RateLimiter
    idempotency: IdempotencyKeys
    refusals: Refusals
    accounts: AccountServices
    digest: DailyDigest
    suggestions: Suggestions  # the read side's, for the write side (command/orders)
    household_views: HouseholdViews  # likewise (command/households)
    sync_puller: Puller  # likewise: /sync/full pulls through the read side


def provide(app: Starlette, services: Services) -> None:
    app.state.services = services


def services_in(app: Starlette) -> Services:
    """The services a started app holds (tests and the composition root read them)."""
    services: Services = services_of(app)
    return services


@contextlib.asynccontextmanager
async def opened(
    settings: Settings, database: Database, clock: Clock, keyring: KeyRing, metrics: HttpMetrics
) -> AsyncIterator[Services]:
    """The process's connections (asyncpg pool, event store, LISTEN) and what is built on
    them, listening and in step with the database; all closed on the way out."""
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
    lifetime = timedelta(minutes=settings.access_token_expire_minutes)
    services = Services(
        settings=settings,
        clock=clock,
        keyring=keyring,
        http_metrics=metrics,
        pool=pool,
        store=store,
        listener=listener,
        watermark=Watermark(pool, listener, settings.read_your_writes_timeout),
        revocations=Revocations(pool, listener, lifetime),
        memberships=Memberships(pool, listener),
        rate_limiter=RateLimiter(pool, settings),
        idempotency=IdempotencyKeys(pool),
        refusals=REFUSALS,
        accounts=AccountServices.from_settings(settings),
        digest=DailyDigest(pool, clock),
        suggestions=functools.partial(suggested_lines, pool, clock),
        household_views=HouseholdViews(household_view, households_of, invitation_view),
        sync_puller=pull_for,
    )
    await listener.start()
    await services.watermark.resync()
    await services.revocations.resync()
    try:
        yield services
    finally:
        await listener.stop()
        try:  # after a database restart some connections are dead: close what is left
            await asyncio.wait_for(pool.close(), SHUTDOWN_GRACE_SECONDS)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            pool.terminate()
        store.close()


def _forget(store: Store) -> Callable[[], Awaitable[None]]:
    async def forget() -> None:  # an erasure may have happened while the listener was away
        store.forget_cached()

    return forget

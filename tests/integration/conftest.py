from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from events.store import Store
from infra.database import Database


@pytest.fixture
def store(database: Database) -> Iterator[Store]:
    application = Store(env=database.eventsourcing_env(pool_size=2))
    yield application
    application.close()


@pytest.fixture
def uncached_store(database: Database) -> Iterator[Store]:
    env = {**database.eventsourcing_env(pool_size=2), "AGGREGATE_CACHE_MAXSIZE": ""}
    application = Store(env=env)
    yield application
    application.close()


@pytest.fixture
async def pg_conn(database: Database) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database.asyncpg_dsn)
    yield conn
    await conn.close()


@pytest.fixture
async def pg_pool(database: Database) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database.asyncpg_dsn, min_size=1, max_size=2)
    yield pool
    await pool.close()

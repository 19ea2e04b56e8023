"""What the bounded pool (events/pool.py) relies on in eventsourcing 9.5.6 and psycopg-pool
3.3: the datastore's pool, replaced before it opens, rebuilt from its settings; every
connection the datastore takes passes through getconn(). Fails if an upgrade changes it."""

from typing import Any

import pytest
from eventsourcing.postgres import PostgresDatastore

from events.pool import BoundedPool, DatabaseUnavailable, bound_pool


def nowhere(**settings: Any) -> PostgresDatastore:
    """A datastore of a server that is not there (port 1), never opened unless asked."""
    return PostgresDatastore("x", "127.0.0.1", 1, "x", "x", **settings)


def test_the_pool_is_rebuilt_with_the_librarys_settings() -> None:
    datastore = nowhere(connect_timeout=3, pool_size=4, max_overflow=2, max_waiting=7)
    library = datastore.pool
    bound_pool(datastore)
    pool = datastore.pool
    assert isinstance(pool, BoundedPool) and pool is not library
    assert (pool.min_size, pool.max_size, pool.timeout) == (4, 6, 3)
    assert (pool.max_waiting, pool.max_lifetime) == (library.max_waiting, library.max_lifetime)
    assert pool.reconnect_timeout == 3
    assert pool.kwargs == {**library.kwargs, "connect_timeout": 3}  # type: ignore[dict-item]


def test_the_datastores_connections_pass_through_getconn() -> None:
    datastore = nowhere(connect_timeout=0.3)
    bound_pool(datastore)
    try:
        with pytest.raises(DatabaseUnavailable), datastore.get_connection():
            pass
    finally:
        datastore.pool.close(timeout=1)

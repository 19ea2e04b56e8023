"""The event store's connection pool, bounded during a database outage.

The library waits up to POSTGRES_CONNECT_TIMEOUT for a pooled connection and retries a
failed query ten times, so with the database down one command waited ten timeouts, held a
worker thread all along (starving the requests behind it), and could apply its change
long after its client had been told 503 or had given up. Here a command waits for a
connection at most one timeout: once a wait runs out the database is known to be down,
and until a connection is had again every request fails at once, with DatabaseUnavailable,
which the library does not retry. A failed reconnection gives up after one timeout too
(the library's default is five minutes of growing backoff), so the next request asks for
a fresh one: the pool is back within moments of the database.

Library internals relied on (checked against eventsourcing 9.5.6, psycopg-pool 3.3.3), here
alone: the datastore's `pool` (the library's ConnectionPool, a psycopg_pool one) is replaced
before it opens, rebuilt from that pool's attributes and the datastore's
`after_connect_func()` and `pre_ping`; every connection the datastore takes goes through
`getconn(timeout)`. Held by tests/unit/test_pool_internals.py.
"""

import math
import threading
from typing import Any

from eventsourcing.postgres import ConnectionPool, PostgresDatastore
from psycopg import Connection
from psycopg.rows import DictRow
from psycopg_pool import PoolTimeout

PROBE_SECONDS = 0.2  # while down: a request waits this long for a reconnection in flight


class DatabaseUnavailable(Exception):
    """No connection to the event store's database could be had in time."""


class BoundedPool(ConnectionPool[Connection[DictRow]]):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._down = threading.Event()  # set once a wait ran out, until a connection is had

    def getconn(self, timeout: float | None = None) -> Connection[DictRow]:
        down = self._down.is_set()
        try:
            conn = super().getconn(PROBE_SECONDS if down else timeout)
        except PoolTimeout as exc:
            self._down.set()
            raise DatabaseUnavailable(f"no database connection within {self.timeout:g} s") from exc
        self._down.clear()
        return conn


def bound_pool(datastore: PostgresDatastore) -> None:
    """Give the datastore a BoundedPool instead of the library's, before it is opened,
    with the same settings but reconnections that give up (and connect attempts that
    stop) after the pool's timeout."""
    library = datastore.pool
    kwargs = dict(library.kwargs) if isinstance(library.kwargs, dict) else {}
    datastore.pool = BoundedPool(
        connection_class=library.connection_class,
        kwargs={**kwargs, "connect_timeout": max(2, math.ceil(library.timeout))},  # libpq: >= 2
        min_size=library.min_size,
        max_size=library.max_size,
        open=False,
        configure=datastore.after_connect_func(),
        check=ConnectionPool.check_connection if datastore.pre_ping else None,
        timeout=library.timeout,
        max_waiting=library.max_waiting,
        max_lifetime=library.max_lifetime,
        reconnect_timeout=library.timeout,
        get_password_func=library.get_password_func,
    )

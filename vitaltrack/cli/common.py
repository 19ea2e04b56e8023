"""What every command shares: settings with logging, one-line failures, the database."""

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import asyncpg
import typer

import migrations
from infra.database import Database, open_database
from infra.settings import BadSettings, Settings, settings_from_environment
from vitaltrack.observability import configure_logging

logger = logging.getLogger("vitaltrack")


def load_settings() -> Settings:
    """The settings; a bad one is a usage error (exit 2): one line per variable."""
    try:
        settings = settings_from_environment()
    except BadSettings as exc:
        for line in exc.lines:
            typer.echo(f"error: {line}", err=True)
        raise typer.Exit(2) from None
    configure_logging(settings)
    try:
        settings.check_safe_for_production()
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    return settings


@contextlib.contextmanager
def migrated_database(settings: Settings) -> Iterator[Database]:
    """The database that exists and is migrated: commands other than serve and migrate
    create nothing (NoDatabase, NotMigrated otherwise)."""
    with open_database(settings) as database:
        migrations.require_current(database)
        yield database


async def with_conn(database: Database, work: Any) -> Any:
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        return await work(conn)
    finally:
        await conn.close()


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    sys.exit(1)


def exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)

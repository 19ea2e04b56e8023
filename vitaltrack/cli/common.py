"""What every command shares: settings with logging, one-line failures, a connection."""

import logging
import sys
from typing import Any

import asyncpg
import typer

from infra.database import Database
from infra.settings import Settings
from vitaltrack.observability import configure_logging

logger = logging.getLogger("vitaltrack")


def load_settings() -> Settings:
    settings = Settings()
    configure_logging(settings)
    try:
        settings.check_safe_for_production()
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    return settings


async def with_conn(database: Database, work: Any) -> Any:
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        return await work(conn)
    finally:
        await conn.close()


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    sys.exit(1)


def exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)

"""The `vitaltrack` command, one module per group: server (serve, migrate), seeding,
accounts, audit, projections, digest. Exit codes: 0 ok, 1 failure, 2 usage, 3 differences found."""

import asyncpg
import psycopg
import typer
from eventsourcing import persistence

from events.pool import DatabaseUnavailable
from infra.database import NoDatabase
from infra.security.tokens import KeyUnusable
from migrations import NotMigrated
from projections.rebuild import RebuildRunning
from vitaltrack.cli import accounts, audit, digest, projections, seeding, server
from vitaltrack.cli.common import fail

EXIT_CODES = "Exit codes: 0 ok, 1 failure, 2 usage error, 3 differences found (rebuild --dry-run)."
cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # errors are one line (main below), never a traceback
    rich_markup_mode=None,  # usage errors as plain lines, not a drawn box
    help=f"VitalTrack backend. {EXIT_CODES}",
)
cli.command()(server.serve)
cli.command()(server.migrate)
cli.command()(seeding.seed)
cli.add_typer(projections.projections_cli, name="projections")
cli.add_typer(audit.audit_cli, name="audit")
cli.add_typer(accounts.accounts_cli, name="accounts")
cli.add_typer(digest.digest_cli, name="digest")

UNREACHABLE = (
    OSError,
    DatabaseUnavailable,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    psycopg.Error,
    persistence.OperationalError,
    persistence.InterfaceError,
)


def main() -> None:
    """Every failure is one line on stderr with a hint, and a distinct exit code."""
    try:
        cli(prog_name="vitaltrack")
    except (NoDatabase, NotMigrated) as exc:  # each says what to do
        fail(str(exc))
    except RebuildRunning as exc:
        fail(f"{exc}; wait for it to finish (projections status shows it)")
    except KeyUnusable as exc:
        fail(f"{exc}; JWT_PRIVATE_KEY_PATH must name a readable RSA private key (PEM)")
    except UNREACHABLE as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(
            f"cannot reach the database ({detail}); check DATABASE_URL, "
            "or leave it unset to use the embedded server"
        )

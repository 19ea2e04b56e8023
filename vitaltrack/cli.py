"""The `vitaltrack` command: serve, migrate, and operate projections."""

import asyncio
import csv
import json
import logging
import os
import signal
import sys
import time
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, overload

import asyncpg
import psycopg
import typer
from eventsourcing import persistence

import migrations
from events.store import Store
from infra.database import Database, open_database
from infra.security.tokens import KeyUnusable
from infra.settings import Settings
from projections.catalog import all_projections
from projections.rebuild import RebuildRunning, rebuild
from projections.runner import ProjectionRunner, run_supervised
from projections.status import projection_status, quarantined, skip
from vitaltrack.observability import configure_logging
from vitaltrack.progress import progress_reporter

EXIT_CODES = "Exit codes: 0 ok, 1 failure, 2 usage error, 3 differences found (rebuild --dry-run)."
cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # errors are one line (main below), never a traceback
    rich_markup_mode=None,  # usage errors as plain lines, not a drawn box
    help=f"VitalTrack backend. {EXIT_CODES}",
)
projections_cli = typer.Typer(no_args_is_help=True, help="Operate the read-side projections.")
cli.add_typer(projections_cli, name="projections")
audit_cli = typer.Typer(no_args_is_help=True, help="Read the audit trail.")
cli.add_typer(audit_cli, name="audit")
accounts_cli = typer.Typer(no_args_is_help=True, help="Disable or enable an account.")
cli.add_typer(accounts_cli, name="accounts")

logger = logging.getLogger("vitaltrack")


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings)
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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="API processes on this port (one per core is a good start). They share the "
            "database; one at a time runs the projections.",
        ),
    ] = 1,
) -> None:
    """Migrate the database, run the projections in-process, and serve the API.

    Example: vitaltrack serve --host 0.0.0.0 --port 8000 --workers 2
    """
    import uvicorn

    from vitaltrack.app import PROJECTIONS_ENV, create_app

    settings = _settings()
    # uvicorn re-raises SIGTERM once it has shut down; turn it into SystemExit so the
    # embedded database below is stopped on the way out instead of being left running.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with open_database(settings) as database:
        migrations.upgrade(database)
        if workers == 1:
            target: Any = create_app(settings, database, run_projections=projections)
        else:  # worker processes build their own app, on this database (embedded or not)
            os.environ["DATABASE_URL"] = database.asyncpg_dsn
            os.environ[PROJECTIONS_ENV] = "1" if projections else "0"
            target = "vitaltrack.app:from_environment"
        uvicorn.run(
            target,
            factory=workers > 1,
            workers=workers if workers > 1 else None,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            proxy_headers=settings.forwarded_allow_ips is not None,
            access_log=False,  # ours is structured (vitaltrack.access)
            log_config=None,  # uvicorn's loggers go through the handler set up above
            forwarded_allow_ips=settings.forwarded_allow_ips or "",
        )


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@cli.command()
def migrate() -> None:
    """Upgrade the database schema to the latest revision.

    Example: vitaltrack migrate   (the database of DATABASE_URL, else the embedded one)
    """
    with open_database(_settings()) as database:
        migrations.upgrade(database)
    typer.echo("database is up to date")


@cli.command()
def seed(
    owners: Annotated[int, typer.Option(min=1, help="Households to create.")] = 10,
    events: Annotated[int, typer.Option(min=1, help="Events to write, about.")] = 10_000,
) -> None:
    """Write demo households through the write model (for demos and benchmarks).

    Prints each household's account (all share one password) and the events written.

    Example: vitaltrack seed --owners 3 --events 5000
    """
    from infra.security.passwords import Passwords
    from vitaltrack.seed import SEED_PASSWORD, seed_households

    settings = _settings()
    with open_database(settings) as database:
        migrations.upgrade(database)  # before the bar, so its log lines stay out of it
        store = Store(env=database.eventsourcing_env(settings.db_pool_size))
        started = time.perf_counter()
        try:
            with progress_reporter("seeding") as report:
                seeded = seed_households(
                    store, Passwords(settings).hash(SEED_PASSWORD), owners, events, report
                )
        finally:
            store.close()
    seconds = time.perf_counter() - started
    for email in seeded.emails:
        typer.echo(email)
    typer.echo(
        f"seeded {owners} households with {seeded.events} events in {seconds:.1f} s "
        f"({seeded.events / seconds:,.0f} events/s); the accounts above all sign in "
        f"with the password {SEED_PASSWORD}"
    )


def _set_active(identifier: str, active: bool, reason: str) -> None:
    from command.accounts.services import AccountServices
    from command.accounts.status import SetActive, UnknownAccount, set_active
    from infra.security.one_time_tokens import OneTimeTokens
    from infra.security.passwords import Passwords
    from infra.security.sessions import Sessions
    from wire.bounds import bad_text

    if not reason.strip() or len(reason) > 200 or bad_text(reason):
        typer.echo("error: --reason must be 1-200 characters of text", err=True)
        raise typer.Exit(2)
    settings = _settings()
    services = AccountServices(
        Passwords(settings), Sessions(settings), OneTimeTokens(settings), settings.public_base_url
    )
    with open_database(settings) as database:
        store = Store(env=database.eventsourcing_env(2))
        try:
            done = set_active(store, services, SetActive(identifier, active, reason))
        except UnknownAccount:
            _fail(f"no account has the email address or username {identifier!r}")
        finally:
            store.close()
    state = "enabled" if active else "disabled"
    if not done.changed:
        typer.echo(f"{identifier} was already {state}")
    elif active:
        typer.echo(f"{identifier} is enabled: it can sign in again")
    else:
        typer.echo(f"{identifier} is disabled: its sessions have ended, it cannot sign in")


@accounts_cli.command("disable")
def accounts_disable(
    identifier: Annotated[str, typer.Argument(help="The account's email address or username.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
) -> None:
    """End every session of an account and refuse its sign-ins (403 account_disabled).
    Its household's data is kept.

    Example: vitaltrack accounts disable asha@example.com --reason "phone stolen"
    """
    _set_active(identifier, False, reason)


@accounts_cli.command("enable")
def accounts_enable(
    identifier: Annotated[str, typer.Argument(help="The account's email address or username.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
) -> None:
    """Let a disabled account sign in again.

    Example: vitaltrack accounts enable asha@example.com --reason "new phone"
    """
    _set_active(identifier, True, reason)


class Output(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


@audit_cli.command("replay")
def audit_replay(
    owner: Annotated[str, typer.Option(help="The account's email address.")],
    entity: Annotated[
        str | None, typer.Option(help="Only this category, item or order id.")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="From this moment (UTC if no offset).")
    ] = None,
    until: Annotated[datetime | None, typer.Option(help="Before this moment.")] = None,
    as_of: Annotated[
        datetime | None, typer.Option("--as-of", help="Print the state at this moment instead.")
    ] = None,
    output: Annotated[Output, typer.Option(help="Format.")] = Output.text,
) -> None:
    """An owner's history from the event log, or their state at a moment (--as-of).

    Example: vitaltrack audit replay --owner ann@example.com --since 2026-11-01 --output csv
    """
    from vitaltrack import audit

    entity_id = _uuid_option(entity, "--entity")
    settings = _settings()
    with open_database(settings) as database:
        store = Store(env=database.eventsourcing_env(2))
        try:
            owner_id = audit.owner_by_email(store, owner)
            if owner_id is None:
                typer.echo(
                    f"error: no account with email {owner} (the address it signs in with)", err=True
                )
                raise typer.Exit(1)
            if as_of is not None:
                state = audit.state_as_of(store, owner_id, _utc(as_of))
                dumped = {
                    k: [m.model_dump(mode="json", by_alias=True) for m in v]
                    for k, v in state.items()
                }
                _print_state(dumped, output.value)
                return
            entries = audit.history(store, owner_id, entity_id, _utc(since), _utc(until))
        finally:
            store.close()
    _print_history(entries, output.value)


def _uuid_option(value: str | None, name: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an id (a UUID)", param_hint=name) from None


def _print_state(state: dict[str, list[dict[str, Any]]], output: str) -> None:
    if output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["kind", "id", "name", "quantity", "status", "version"])
        for kind, entities in state.items():
            for e in entities:
                name = e.get("name") or e.get("orderId")
                kind_name = {"categories": "category", "items": "item", "orders": "order"}[kind]
                row = [kind_name, e["id"], name, e.get("quantity"), e.get("status")]
                writer.writerow([*row, e["version"]])
        return
    typer.echo(json.dumps(state, indent=2 if output == "text" else None))


def _print_history(entries: list[Any], output: str) -> None:
    rows = [e.as_dict() for e in entries]
    if output == "json":
        typer.echo(json.dumps(rows, default=str))
    elif output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["position", "time", "via", "action", "entity", "entity_id", "change"])
        for r in rows:
            change = json.dumps(r["change"], default=str)
            writer.writerow(
                [
                    r["position"],
                    r["time"],
                    r["actor"]["via"],
                    r["action"],
                    r["entity"],
                    r["entityId"],
                    change,
                ]
            )
    else:
        for r in rows:
            change = ", ".join(f"{k}={v}" for k, v in r["change"].items())
            typer.echo(
                f"{r['time']}  {r['actor']['via']:<11} {r['action']:<24} {r['entityId']}  {change}"
            )


@overload
def _utc(moment: datetime) -> datetime: ...
@overload
def _utc(moment: None) -> None: ...
def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@projections_cli.command("run")
def projections_run() -> None:
    """Follow the event log and keep the read tables current (standalone runner).

    Example: vitaltrack projections run   (beside `serve --no-projections` replicas)
    """
    settings = _settings()
    signal.signal(signal.SIGTERM, _exit_on_signal)  # docker stop: leave cleanly, in time
    with open_database(settings) as database:
        runner = ProjectionRunner(
            database.asyncpg_dsn, all_projections(), settings.projection_batch_size
        )
        try:
            asyncio.run(run_supervised(runner))
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
    batch_size: Annotated[int, typer.Option(help="Events per transaction.")] = 5000,
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
    with open_database(_settings()) as database, progress_reporter() as report:
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
    with open_database(_settings()) as database:
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
    with open_database(_settings()) as database:
        parked = asyncio.run(_with_conn(database, lambda c: quarantined(c, resolved=resolved)))
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
    with open_database(_settings()) as database:
        count = asyncio.run(_with_conn(database, lambda c: skip(c, projection, position, reason)))
    if not count:
        typer.echo(f"error: no parked event at position {position}", err=True)
        raise typer.Exit(1)
    typer.echo(f"skipped event {position} for {count} projection(s)")


async def _with_conn(database: Database, work: Any) -> Any:
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        return await work(conn)
    finally:
        await conn.close()


async def _status(database: Database) -> Any:
    names = [p.name for p in all_projections()]
    return await _with_conn(database, lambda conn: projection_status(conn, names))


DIFFERENCES = 3  # rebuild --dry-run found the live tables differ from a replay
UNREACHABLE = (
    OSError,
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
    except RebuildRunning as exc:
        _fail(f"{exc}; wait for it to finish (projections status shows it)")
    except KeyUnusable as exc:
        _fail(f"{exc}; JWT_PRIVATE_KEY_PATH must name a readable RSA private key (PEM)")
    except UNREACHABLE as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(
            f"cannot reach the database ({detail}); check DATABASE_URL, "
            "or leave it unset to use the embedded server"
        )


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    sys.exit(1)


if __name__ == "__main__":
    main()

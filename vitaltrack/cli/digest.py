"""`vitaltrack digest run`: the daily digests due now (or at `--at`), sent or printed."""

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import asyncpg
import typer

from infra.clock import Clock, FixedClock, SystemClock
from infra.database import Database, open_database
from infra.mail.delivery import OutboxSender, mailer_for
from infra.settings import Settings
from query.planning.digest import DailyDigest, Sent
from vitaltrack.cli.common import load_settings

digest_cli = typer.Typer(no_args_is_help=True, help="The daily supply digest.")


@digest_cli.command("run")
def digest_run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the mails due; send and record nothing.")
    ] = False,
    at: Annotated[
        str | None,
        typer.Option(
            help="Act as of this moment instead of now: ISO 8601, e.g. 2026-12-08T08:00:00+05:30 "
            "(no offset: UTC)."
        ),
    ] = None,
) -> None:
    """Send every daily digest due at this moment (08:00 or later in a household's time zone,
    not yet sent that day), as `serve` does by itself; each member gets one a day at most.

    Example: vitaltrack digest run --dry-run --at 2026-12-08T08:00:00Z
    """
    clock = _clock(at)
    settings = load_settings()
    with open_database(settings) as database:
        decided, delivered = asyncio.run(_run(database, settings, clock, dry_run))
    for sent in decided:
        _report(sent, dry_run)
    queued = [s for s in decided if s.outbox_id is not None]
    if not decided:
        typer.echo(f"no digest is due at {clock.now():%Y-%m-%d %H:%M} UTC")
    elif not dry_run:
        rest = "" if delivered == len(queued) else "; the rest stay queued for serve to send"
        typer.echo(f"{len(queued)} digest(s) queued, {delivered} sent now{rest}")


def _clock(at: str | None) -> Clock:
    if at is None:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        typer.echo("error: --at must be a timestamp like 2026-12-08T08:00:00Z", err=True)
        raise typer.Exit(2) from None
    return FixedClock(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


async def _run(
    database: Database, settings: Settings, clock: Clock, dry_run: bool
) -> tuple[list[Sent], int]:
    """The digests decided, and how many of the mails queued were delivered at once (those
    that fail stay queued: the sender of `serve` retries them)."""
    pool = await asyncpg.create_pool(database.asyncpg_dsn, min_size=1, max_size=2)
    try:
        decided = await DailyDigest(pool, clock).run(dry_run=dry_run)
        queued = [s.outbox_id for s in decided if s.outbox_id is not None]
        if not queued:
            return decided, 0
        sender = OutboxSender(pool, mailer_for(settings), settings.smtp_from)
        await sender.send_due(only=queued)
        delivered = await pool.fetchval(
            "SELECT count(*) FROM email_outbox WHERE id = ANY($1::bigint[]) "
            "AND sent_at IS NOT NULL",
            queued,
        )
        return decided, int(delivered)
    finally:
        await pool.close()


def _report(sent: Sent, dry_run: bool) -> None:
    where = f"{sent.recipient} ({sent.household}, {sent.today:%Y-%m-%d})"
    if sent.mail is None:
        typer.echo(f"{where}: nothing to report, no mail")
    elif dry_run:
        typer.echo(f"would send to {where}: {sent.mail.subject}")
        typer.echo("    " + sent.mail.text.rstrip("\n").replace("\n", "\n    "))
    else:
        typer.echo(f"queued for {where}: {sent.mail.subject}")

"""`vitaltrack digest run [--dry-run] [--at T]`: an operator sends (or prints) the daily
digests due at a moment; each goes out once, however often it is run."""

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from infra.database import Database
from tests.api.accounts import register, verify
from tests.api.inventory import category, item
from tests.integration.commandline import vitaltrack
from tests.smtp import Mailbox

TODAY = datetime.now(UTC).date()
AT_EIGHT = f"{TODAY}T08:00:00Z"


async def out_of_gloves(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    asha = await register(client, "asha@example.com")
    await verify(client, mailbox, asha.email)
    meds = await category(client, asha)
    await item(client, asha, meds["id"], name="Gloves", quantity=0)


async def rows(database: Database) -> int:
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM daily_digests"))
    finally:
        await conn.close()


async def test_a_dry_run_prints_the_mail_and_records_nothing(
    client: httpx.AsyncClient, database: Database, mailbox: Mailbox
) -> None:
    await out_of_gloves(client, mailbox)
    done = vitaltrack(database, "digest", "run", "--dry-run", "--at", AT_EIGHT)
    assert done.returncode == 0, done.stderr
    first, *body = done.stdout.splitlines()
    assert first == (
        f"would send to asha@example.com (Test User's household, {TODAY}): "
        "Test User's household: 1 supply to see to today"
    )
    assert "    - Gloves: none left" in body
    assert await rows(database) == 0


async def test_a_run_sends_each_digest_due_once(
    client: httpx.AsyncClient, database: Database, mailbox: Mailbox, smtp: tuple[int, Mailbox]
) -> None:
    await out_of_gloves(client, mailbox)
    mail_server = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp[0]), "SMTP_TLS": "none"}
    early = vitaltrack(database, "digest", "run", "--at", f"{TODAY}T07:59:59Z", **mail_server)
    assert (early.returncode, early.stdout) == (0, f"no digest is due at {TODAY} 07:59 UTC\n")

    sent = vitaltrack(database, "digest", "run", "--at", AT_EIGHT, **mail_server)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.splitlines() == [
        f"queued for asha@example.com (Test User's household, {TODAY}): "
        "Test User's household: 1 supply to see to today",
        "1 digest(s) queued, 1 sent now",
    ]
    mail = await mailbox.wait_for("asha@example.com", "to see to today")
    assert "Gloves: none left" in mail.body and mail.html is not None

    later = f"{TODAY}T21:00:00+05:30"
    again = vitaltrack(database, "digest", "run", "--at", later, **mail_server)
    assert (again.returncode, again.stdout) == (0, f"no digest is due at {TODAY} 15:30 UTC\n")
    assert len(mailbox.messages_to("asha@example.com")) == 2  # verification, one digest
    tomorrow = (datetime.fromisoformat(AT_EIGHT) + timedelta(days=1)).isoformat()
    assert (
        "queued for"
        in vitaltrack(database, "digest", "run", "--at", tomorrow, **mail_server).stdout
    )


def test_a_bad_moment_is_a_one_line_usage_error(database: Database) -> None:
    done = vitaltrack(database, "digest", "run", "--at", "tomorrow morning")
    assert done.returncode == 2
    assert done.stderr == "error: --at must be a timestamp like 2026-12-08T08:00:00Z\n"

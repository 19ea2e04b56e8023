"""Email delivery never loses a message: failures stay queued and are retried."""

import asyncio
import stat
import uuid
from email.message import EmailMessage
from pathlib import Path

import asyncpg

from command.unit_of_work import UnitOfWork
from events.store import Store
from infra.mail import messages
from infra.mail.delivery import MAX_ATTEMPTS, SPENT, FileMailer, OutboxSender

ACCOUNT = uuid.uuid4()


class BrokenMailer:
    async def send(self, message: EmailMessage) -> None:
        raise ConnectionRefusedError("smtp is down")


class CollectingMailer:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


async def test_a_failed_send_is_kept_and_retried_later(store: Store, pg_pool: asyncpg.Pool) -> None:
    UnitOfWork(store).commit(
        writes=[messages.password_reset("http://x.test", ACCOUNT, "carer@example.com", "code-123")]
    )

    assert await OutboxSender(pg_pool, BrokenMailer(), "from@test").send_due() == 1
    row = await pg_pool.fetchrow(
        "SELECT attempts, sent_at, last_error, next_attempt_at > now() AS later FROM email_outbox"
    )
    assert row is not None
    assert (row["attempts"], row["sent_at"], row["later"]) == (1, None, True)
    assert "smtp is down" in row["last_error"]

    working = CollectingMailer()
    sender = OutboxSender(pg_pool, working, "from@test")
    assert await sender.send_due() == 0  # not due yet: backoff
    await pg_pool.execute("UPDATE email_outbox SET next_attempt_at = now()")
    assert await sender.send_due() == 1
    (sent,) = working.sent
    assert sent["To"] == "carer@example.com"
    assert "code-123" in sent.get_content()
    assert await pg_pool.fetchval("SELECT sent_at IS NOT NULL FROM email_outbox")
    assert await sender.send_due() == 0  # delivered exactly once
    assert await pg_pool.fetchval("SELECT body FROM email_outbox") == SPENT  # no live link kept


async def test_a_mail_given_up_keeps_no_body(store: Store, pg_pool: asyncpg.Pool) -> None:
    UnitOfWork(store).commit(
        writes=[messages.password_reset("http://x.test", ACCOUNT, "gone@example.com", "code-9")]
    )
    await pg_pool.execute("UPDATE email_outbox SET attempts = $1", MAX_ATTEMPTS - 1)
    assert await OutboxSender(pg_pool, BrokenMailer(), "from@test").send_due() == 1
    row = await pg_pool.fetchrow("SELECT attempts, sent_at, body FROM email_outbox")
    assert row is not None
    assert (row["attempts"], row["sent_at"], row["body"]) == (MAX_ATTEMPTS, None, SPENT)


async def test_development_mail_is_written_to_the_outbox_folder(
    store: Store, pg_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    UnitOfWork(store).commit(writes=[messages.password_changed(ACCOUNT, "dev@example.com")])
    await OutboxSender(pg_pool, FileMailer(tmp_path / "outbox"), "from@test").send_due()
    (written,) = (tmp_path / "outbox").glob("*.eml")
    assert "dev@example.com" in written.read_text()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # its links are live tokens
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700


class HangsThenFailsOnCancel:
    """An SMTP client that, cancelled mid-send, raises its own error instead."""

    def __init__(self) -> None:
        self.sending = asyncio.Event()

    async def send(self, message: EmailMessage) -> None:
        self.sending.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            raise ConnectionError("connection lost") from None


async def test_shutdown_during_a_send_stops_the_sender_and_keeps_the_mail_due(
    store: Store, pg_pool: asyncpg.Pool
) -> None:
    UnitOfWork(store).commit(writes=[messages.password_changed(ACCOUNT, "late@example.com")])
    hanging = HangsThenFailsOnCancel()
    sender = asyncio.create_task(OutboxSender(pg_pool, hanging, "f@t").run())
    async with asyncio.timeout(15):
        await hanging.sending.wait()  # mid-send
    sender.cancel()
    done, _ = await asyncio.wait([sender], timeout=5)
    assert done, "the sender swallowed its cancellation"
    row = await pg_pool.fetchrow("SELECT attempts, sent_at FROM email_outbox")
    assert row is not None
    assert (row["attempts"], row["sent_at"]) == (0, None)

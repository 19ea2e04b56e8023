"""Delivers queued emails: SMTP in production, .eml files in development. Retries with backoff."""

import asyncio
import logging
import os
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib
import asyncpg
from asyncpg.pool import PoolConnectionProxy

from infra.mail import OUTBOX_CHANNEL
from infra.settings import Settings
from infra.supervision import being_cancelled, nap

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# What a body becomes once sent or given up: it held live links (reset, deletion), and a
# reader of the database must not find them; recipient, subject and times stay for support.
SPENT = "(sent; body not kept)"
IDLE_POLL_SECONDS = 5.0


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    def __init__(self, settings: Settings):
        self._settings = settings

    async def send(self, message: EmailMessage) -> None:
        s = self._settings
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user,
            password=s.smtp_password,
            use_tls=s.smtp_tls == "tls",
            start_tls=s.smtp_tls == "starttls",
            timeout=30,
        )


class FileMailer:
    """Without SMTP_HOST: each message becomes a file in the outbox folder, readable by this
    user only (its links are live tokens), and the log says where."""

    def __init__(self, folder: Path):
        self._folder = folder

    async def send(self, message: EmailMessage) -> None:
        self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(bytes(message))
        logger.info("email to %s (%s) written to %s", message["To"], message["Subject"], path)


def mailer_for(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    folder = settings.data_path / "outbox"
    if settings.environment == "production":  # compose and the benchmark run this way
        logger.warning("SMTP_HOST is not set: mail is written to %s (mode 0600), not sent", folder)
    return FileMailer(folder)


class OutboxSender:
    """Sends due outbox rows; several processes may run one (rows are claimed SKIP LOCKED)."""

    def __init__(self, pool: asyncpg.Pool, mailer: Mailer, sender: str):
        self._pool = pool
        self._mailer = mailer
        self._from = sender
        self._wake = asyncio.Event()

    async def run(self) -> None:
        async with self._pool.acquire() as listener:
            await listener.add_listener(OUTBOX_CHANNEL, self._on_notify)
            try:
                while True:
                    self._wake.clear()
                    if not await self.send_due():
                        await nap(self._wake, IDLE_POLL_SECONDS)
            finally:
                await listener.remove_listener(OUTBOX_CHANNEL, self._on_notify)

    def _on_notify(self, *_args: object) -> None:
        self._wake.set()

    async def send_due(self, only: list[int] | None = None) -> int:
        """Try every due message (of the ids `only`, if given) once; returns how many were
        attempted."""
        attempted = 0
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                row = await conn.fetchrow(
                    "SELECT id, recipient, subject, body, html, attempts FROM email_outbox "
                    "WHERE sent_at IS NULL AND attempts < $1 AND next_attempt_at <= now() "
                    "AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[])) "
                    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                    MAX_ATTEMPTS,
                    only,
                )
                if row is None:
                    return attempted
                attempted += 1
                await self._deliver(conn, row)

    async def _deliver(self, conn: PoolConnectionProxy, row: asyncpg.Record) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = (
            self._from,
            row["recipient"],
            row["subject"],
        )
        message.set_content(row["body"])
        if row["html"] is not None:  # the same, for mail apps that show HTML
            message.add_alternative(row["html"], subtype="html")
        try:
            await self._mailer.send(message)
        except Exception as exc:  # any delivery failure: keep the row and try again later
            if being_cancelled():
                # Shutdown interrupted the send (some clients turn that into their own
                # error): leave the row due and let the cancellation through.
                raise asyncio.CancelledError from exc
            delay = min(2 ** row["attempts"] * 5, 3600)
            logger.warning(
                "email %s not sent (attempt %s): %s", row["id"], row["attempts"] + 1, exc
            )
            await conn.execute(
                "UPDATE email_outbox SET attempts = attempts + 1, last_error = $2, "
                "next_attempt_at = now() + make_interval(secs => $3), "
                "body = CASE WHEN attempts + 1 >= $4 THEN $5 ELSE body END, "
                "html = CASE WHEN attempts + 1 >= $4 THEN NULL ELSE html END WHERE id = $1",
                row["id"],
                str(exc)[:500],
                delay,
                MAX_ATTEMPTS,
                SPENT,
            )
            return
        await conn.execute(
            "UPDATE email_outbox SET attempts = attempts + 1, sent_at = now(), last_error = NULL, "
            "body = $2, html = NULL WHERE id = $1",
            row["id"],
            SPENT,
        )

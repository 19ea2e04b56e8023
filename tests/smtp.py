"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    to: str
    subject: str
    body: str  # the plain text
    html: str | None = None  # the HTML alternative, if the mail has one


class Mailbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[Received] = []

    async def handle_DATA(self, _server: object, _session: object, envelope: object) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
        assert isinstance(parsed, EmailMessage)
        text, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
        body = text.get_content() if text is not None else ""
        alternative = html.get_content() if html is not None else None
        with self._lock:
            for rcpt in envelope.rcpt_tos:  # type: ignore[attr-defined]
                self._messages.append(Received(rcpt, str(parsed["Subject"]), body, alternative))
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def messages_to(self, recipient: str) -> list[Received]:
        with self._lock:
            return [m for m in self._messages if m.to == recipient]

    async def wait_for(self, recipient: str, subject_part: str, count: int = 1) -> Received:
        """The `count`-th message to `recipient` whose subject contains `subject_part`."""
        async with asyncio.timeout(10):
            while True:
                found = [m for m in self.messages_to(recipient) if subject_part in m.subject]
                if len(found) >= count:
                    return found[count - 1]
                await asyncio.sleep(0.05)


def start_smtp_server() -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox

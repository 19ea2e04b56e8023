"""Sync cursors (API.md 8.1): opaque encodings of a log position, never derived from clocks."""

import base64
from dataclasses import dataclass
from datetime import datetime

from wire.problems import Problem


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"vt1:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, position = text.partition(":")
        if prefix == "vt1" and position.isdigit():
            return int(position)
    except (ValueError, UnicodeDecodeError):
        pass
    raise cursor_expired()


def cursor_expired() -> Problem:
    return Problem(410, "cursor_expired", "Sync cursor unknown or expired; pull with no cursor")


@dataclass(frozen=True)
class Receipt:
    """Tokens of an earlier pull answer that a request sends back, proving that answer
    arrived: its serverTime as `lastSyncAt`, its nextCursor as `cursor` (a position)."""

    last_sync_at: datetime | None = None
    position: int | None = None

"""Refresh-token sessions: one family per device login, tokens stored only as keyed hashes."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from events.store import SideWrite
from vitaltrack.settings import Settings


@dataclass(frozen=True)
class NewSession:
    """A session about to start: its id (the `sid` claim), its first refresh token, and the rows."""

    session_id: uuid.UUID
    refresh_token: str
    writes: tuple[SideWrite, ...]


class Sessions:
    """Creates sessions; the rows are written in the same transaction as the login's events."""

    def __init__(self, settings: Settings):
        self._key = settings.secret_key.encode()
        self._ttl = timedelta(days=settings.refresh_token_expire_days)

    def token_hash(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode(), hashlib.sha256).digest()

    def start(self, user_id: uuid.UUID) -> NewSession:
        session_id = uuid.uuid4()
        token = secrets.token_urlsafe(32)  # 256 bits
        expires_at = datetime.now(UTC) + self._ttl
        return NewSession(
            session_id,
            token,
            (
                SideWrite(
                    "INSERT INTO auth_sessions (id, user_id) VALUES (%s, %s)",
                    (session_id, user_id),
                ),
                SideWrite(
                    "INSERT INTO auth_refresh_tokens (token_hash, session_id, expires_at) "
                    "VALUES (%s, %s, %s)",
                    (self.token_hash(token), session_id, expires_at),
                ),
            ),
        )

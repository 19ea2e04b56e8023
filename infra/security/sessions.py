"""Refresh-token sessions: one family per device login; every refresh rotates the token.

Rows are written with the login's events (side writes) or in short transactions of their
own; presenting a token that was already rotated revokes its whole family (theft detection).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from events.store import SideWrite
from infra.security.opaque import TokenHasher, new_token
from infra.settings import Settings


class InvalidRefreshToken(Exception):
    """Unknown, expired, revoked or reused refresh token."""


@dataclass(frozen=True)
class NewSession:
    """A session about to start: its id (the `sid` claim), its first refresh token, the rows."""

    session_id: uuid.UUID
    refresh_token: str
    writes: tuple[SideWrite, ...]
    household_id: uuid.UUID  # the household it acts on (API.md 12: bound at sign-in)


@dataclass(frozen=True)
class Rotation:
    user_id: uuid.UUID
    session_id: uuid.UUID
    refresh_token: str
    household_id: uuid.UUID


class Sessions:
    def __init__(self, settings: Settings):
        self.hash = TokenHasher(settings.secret_key)
        self._ttl = timedelta(days=settings.refresh_token_expire_days)
        self._max_age = timedelta(days=settings.refresh_session_max_days)

    def start(self, user_id: uuid.UUID, household_id: uuid.UUID) -> NewSession:
        session_id = uuid.uuid4()
        token = new_token()
        return NewSession(
            session_id,
            token,
            (
                SideWrite(
                    "INSERT INTO auth_sessions (id, user_id, household_id) VALUES (%s, %s, %s)",
                    (session_id, user_id, household_id),
                ),
                self._insert_token(token, session_id),
            ),
            household_id,
        )

    def rotate(self, curs: Any, token: str) -> Rotation | None:
        """Swap `token` for a new one in the same family, inside the caller's transaction.

        Returns None when the token is unusable; if it had already been rotated, or its
        session is older than REFRESH_SESSION_MAX_DAYS (a stolen token is not good forever),
        the family is revoked first (the caller must commit that even though it answers 401).
        """
        curs.execute(
            "SELECT t.session_id, t.expires_at, t.rotated_at, s.user_id, s.revoked_at, "
            "s.created_at, coalesce(s.household_id, s.user_id) AS household_id "
            "FROM auth_refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id "
            "WHERE t.token_hash = %s FOR UPDATE OF t, s",
            (self.hash(token),),
        )
        row = curs.fetchone()
        if row is None or row["revoked_at"] is not None:
            return None
        if row["rotated_at"] is not None or row["created_at"] + self._max_age <= datetime.now(UTC):
            curs.execute(*self.revoke(row["session_id"]))
            return None
        if row["expires_at"] <= datetime.now(UTC):
            return None
        curs.execute(
            "UPDATE auth_refresh_tokens SET rotated_at = now() WHERE token_hash = %s",
            (self.hash(token),),
        )
        fresh = new_token()
        curs.execute(*self._insert_token(fresh, row["session_id"]))
        return Rotation(row["user_id"], row["session_id"], fresh, row["household_id"])

    def live_session_of(self, curs: Any, token: str, user_id: uuid.UUID) -> uuid.UUID | None:
        """The caller's own, not yet revoked session that `token` belongs to."""
        curs.execute(
            "SELECT s.id FROM auth_refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id "
            "WHERE t.token_hash = %s AND s.user_id = %s AND s.revoked_at IS NULL",
            (self.hash(token), user_id),
        )
        row = curs.fetchone()
        return row["id"] if row else None

    def revoke(self, session_id: uuid.UUID) -> SideWrite:
        return SideWrite(
            "UPDATE auth_sessions SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL",
            (session_id,),
        )

    def revoke_all(self, user_id: uuid.UUID, keep: uuid.UUID | None = None) -> SideWrite:
        return SideWrite(
            "UPDATE auth_sessions SET revoked_at = now() "
            "WHERE user_id = %s AND revoked_at IS NULL AND id IS DISTINCT FROM %s",
            (user_id, keep),
        )

    def _insert_token(self, token: str, session_id: uuid.UUID) -> SideWrite:
        return SideWrite(
            "INSERT INTO auth_refresh_tokens (token_hash, session_id, expires_at) "
            "VALUES (%s, %s, %s)",
            (self.hash(token), session_id, datetime.now(UTC) + self._ttl),
        )

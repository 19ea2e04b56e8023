"""Single-use, expiring tokens: email verification (24 h), password reset (1 h), account
deletion (24 h), undoing an email change (7 days, mailed to the address it replaces).

Each token names the address it was mailed to; its use checks that address against the
account's (current, or pending for a verification), so a link mailed to an address the
account no longer has is dead."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from events.store import SideWrite
from infra.security.opaque import TokenHasher, new_token
from infra.settings import Settings

Purpose = Literal["verify_email", "reset_password", "delete_account", "undo_email_change"]
LIFETIME: dict[str, timedelta] = {
    "verify_email": timedelta(hours=24),
    "reset_password": timedelta(hours=1),
    "delete_account": timedelta(hours=24),
    "undo_email_change": timedelta(days=7),
}
# A new token of these purposes does not void the earlier ones: a stranger who asks for a
# reset cannot kill the link the owner already holds (mails are capped per account instead),
# and a second email change cannot kill the undo link of the first.
KEEPS_EARLIER = frozenset({"reset_password", "undo_email_change"})
# The SQLSTATE consume_one_time_token() raises when the token was used meanwhile.
TOKEN_UNUSABLE_SQLSTATE = "VT001"


@dataclass(frozen=True)
class Issued:
    token: str
    writes: tuple[SideWrite, ...]


@dataclass(frozen=True)
class Holder:
    user_id: uuid.UUID
    email: str


class OneTimeTokens:
    def __init__(self, settings: Settings):
        self.hash = TokenHasher(settings.secret_key)

    def issue(self, user_id: uuid.UUID, email: str, purpose: Purpose) -> Issued:
        """A new token; earlier unused tokens of the same purpose for the same address stop
        working, unless the purpose keeps them (KEEPS_EARLIER)."""
        token = new_token()
        expires_at = datetime.now(UTC) + LIFETIME[purpose]
        insert = SideWrite(
            "INSERT INTO auth_one_time_tokens "
            "(token_hash, user_id, purpose, email, expires_at) VALUES (%s, %s, %s, %s, %s)",
            (self.hash(token), user_id, purpose, email, expires_at),
        )
        if purpose in KEEPS_EARLIER:
            return Issued(token, (insert,))
        replaced = SideWrite(
            "UPDATE auth_one_time_tokens SET used_at = now() "
            "WHERE user_id = %s AND purpose = %s AND email = %s AND used_at IS NULL",
            (user_id, purpose, email),
        )
        return Issued(token, (replaced, insert))

    @staticmethod
    def void(user_id: uuid.UUID, *purposes: Purpose) -> SideWrite:
        """Every unused token of these purposes stops working (an email change, a new
        password, a disabled account)."""
        return SideWrite(
            "UPDATE auth_one_time_tokens SET used_at = now() "
            "WHERE user_id = %s AND purpose = ANY(%s) AND used_at IS NULL",
            (user_id, list(purposes)),
        )

    def holder(self, curs: Any, token: str, purpose: Purpose) -> Holder | None:
        """Who a still-usable token belongs to (nothing is consumed yet)."""
        curs.execute(
            "SELECT user_id, email FROM auth_one_time_tokens WHERE token_hash = %s "
            "AND purpose = %s AND used_at IS NULL AND expires_at > now()",
            (self.hash(token), purpose),
        )
        row = curs.fetchone()
        return Holder(row["user_id"], row["email"]) if row else None

    def consume(self, token: str, purpose: Purpose) -> SideWrite:
        """Mark the token used in the events' transaction; fails it if someone was faster."""
        return SideWrite("SELECT consume_one_time_token(%s, %s)", (self.hash(token), purpose))

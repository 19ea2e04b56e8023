"""What the account handlers need besides the event store."""

from dataclasses import dataclass

from vitaltrack.security.one_time_tokens import OneTimeTokens
from vitaltrack.security.passwords import Passwords
from vitaltrack.security.sessions import Sessions


@dataclass(frozen=True)
class AccountServices:
    passwords: Passwords
    sessions: Sessions
    tokens: OneTimeTokens
    public_base_url: str

"""What the account handlers need besides the event store."""

from dataclasses import dataclass

from infra.security.one_time_tokens import OneTimeTokens
from infra.security.passwords import Passwords
from infra.security.sessions import Sessions
from infra.settings import Settings


@dataclass(frozen=True)
class AccountServices:
    passwords: Passwords
    sessions: Sessions
    tokens: OneTimeTokens
    public_base_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "AccountServices":
        return cls(
            Passwords(settings),
            Sessions(settings),
            OneTimeTokens(settings),
            settings.public_base_url,
        )

"""Opaque bearer secrets (refresh, verification and reset tokens): random, stored only hashed."""

import hashlib
import hmac
import secrets


def new_token() -> str:
    """256 bits of randomness, URL-safe."""
    return secrets.token_urlsafe(32)


class TokenHasher:
    """Keyed hash (HMAC-SHA256 with SECRET_KEY): a leaked table alone cannot be replayed."""

    def __init__(self, secret_key: str):
        self._key = secret_key.encode()

    def __call__(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode(), hashlib.sha256).digest()

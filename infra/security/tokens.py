"""RS256 access tokens: a signing key, older keys still trusted, and their JWKS."""

import hashlib
import json
import logging
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from jwt.utils import base64url_encode

from infra.settings import Settings

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
MIN_KEY_BITS = 2048  # NIST SP 800-57: RSA under 2048 bits is no longer acceptable for signing
VERIFIED_CACHE_SIZE = 10_000  # access tokens verified once, then remembered until they expire


class InvalidToken(Exception):
    """The bearer token is malformed, forged, expired, or not an access token."""


class ExpiredToken(InvalidToken):
    """A genuine access token past its expiry: the client refreshes it."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    household_id: uuid.UUID  # the session's household (`hid`; before rev. 3: the account's)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


class KeyRing:
    """Signs with the newest private key; verifies with any published public key (by `kid`)."""

    def __init__(
        self, signing_key: rsa.RSAPrivateKey, previous: list[rsa.RSAPublicKey], ttl: timedelta
    ):
        self._signing_key = signing_key
        self._signing_kid = key_id(signing_key.public_key())
        self._public = {key_id(k): k for k in [signing_key.public_key(), *previous]}
        self._ttl = ttl
        self._verified: dict[str, tuple[AccessClaims, float]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> "KeyRing":
        path = settings.jwt_private_key_path or settings.data_path / "keys" / "jwt-signing.pem"
        if not path.exists():
            if settings.jwt_private_key_path is not None:
                raise KeyUnusable(f"the signing key {path} does not exist")
            generate_private_key(path)
        previous = [load_public_key(p) for p in settings.jwt_previous_public_key_paths]
        ttl = timedelta(minutes=settings.access_token_expire_minutes)
        return cls(load_private_key(path), previous, ttl)

    def issue(
        self, user_id: uuid.UUID, session_id: uuid.UUID, household_id: uuid.UUID
    ) -> IssuedToken:
        now = datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "sid": str(session_id),
            "hid": str(household_id),
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
            "jti": uuid.uuid4().hex,
            "type": "access",
        }
        headers = {"kid": self._signing_kid}
        token = jwt.encode(claims, self._signing_key, algorithm=ALGORITHM, headers=headers)
        return IssuedToken(token, int(self._ttl.total_seconds()))

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid access token. A token verified before is not verified again
        while it lives: a phone sends the same one for 30 minutes, and the RSA check was a
        tenth of a read's cost. (Revocation is checked on every request, elsewhere.)"""
        known = self._verified.get(token)
        if known is not None and known[1] > time.time():
            return known[0]
        claims, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # tokens rotate every half hour: start afresh
        self._verified[token] = (claims, expires)
        return claims

    def _verify(self, token: str) -> tuple[AccessClaims, float]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._public.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise InvalidToken("unknown signing key")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],  # never "none", never HS*: no algorithm confusion
                options={"require": ["exp", "iat", "sub", "sid", "type"]},
            )
            if claims["type"] != "access":
                raise InvalidToken("not an access token")
            user = uuid.UUID(claims["sub"])
            household = uuid.UUID(claims["hid"]) if "hid" in claims else user
            parsed = AccessClaims(user, uuid.UUID(claims["sid"]), household)
            return parsed, float(claims["exp"])
        except jwt.ExpiredSignatureError as exc:  # checked after the signature: genuine
            raise ExpiredToken(str(exc)) from None
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise InvalidToken(str(exc)) from None

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, public in self._public.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(public))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM})
        return {"keys": keys}


def key_id(public: rsa.RSAPublicKey) -> str:
    """A stable id for a public key (RFC 7638 thumbprint)."""
    jwk = json.loads(RSAAlgorithm.to_jwk(public))
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    return base64url_encode(hashlib.sha256(canonical.encode()).digest()).decode()


def generate_private_key(path: Path) -> None:
    """Create a development signing key, readable by this user only. Several workers of one
    `serve` may start at once on a fresh data folder: the key is written whole under a
    temporary name and linked into place, so a worker sees no key or the whole key, and the
    ones that lose the race use the winner's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".jwt-", suffix=".pem")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        os.link(draft, path)
    except FileExistsError:
        logger.info("another worker generated the JWT signing key at %s first", path)
        return
    finally:
        os.unlink(draft)
    logger.info("generated a development JWT signing key at %s", path)


class KeyUnusable(RuntimeError):
    """A configured key file that cannot serve: missing, unreadable, empty or not RSA PEM."""


def load_private_key(path: Path) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except PermissionError:
        raise KeyUnusable(f"the signing key {path} is not readable by uid {os.getuid()}") from None
    except ValueError:
        raise KeyUnusable(f"the signing key {path} is empty or not a PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyUnusable(f"the signing key {path} is not an RSA private key")
    return _strong(key, path)


def load_public_key(path: Path) -> rsa.RSAPublicKey:
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyUnusable(f"{path} is not an RSA public key")
    return _strong(key, path)


K = TypeVar("K", rsa.RSAPrivateKey, rsa.RSAPublicKey)


def _strong(key: K, path: Path) -> K:
    """Refused in every environment: the development key generated here has 2048 bits."""
    if key.key_size < MIN_KEY_BITS:
        raise KeyUnusable(f"{path} is a {key.key_size}-bit RSA key; at least 2048 are needed")
    return key

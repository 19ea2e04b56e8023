"""Hostile access tokens, key rotation, and rate limits (API.md 1.2 and 1.6)."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import asyncpg
import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from infra.database import Database
from infra.security.tokens import generate_private_key, key_id
from infra.settings import Settings
from tests.api.accounts import PASSWORD, Account, register
from tests.waiting import until
from vitaltrack.app import create_app

ME = "/api/v1/auth/me"


def signing_key(settings: Settings) -> rsa.RSAPrivateKey:
    path = settings.data_path / "keys" / "jwt-signing.pem"
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def forge(key: rsa.RSAPrivateKey, **overrides: object) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "x",
        "type": "access",
    }
    headers = {"kid": overrides.pop("kid", key_id(key.public_key()))}
    return jwt.encode({**claims, **overrides}, key, algorithm="RS256", headers=headers)


async def status_of(client: httpx.AsyncClient, token: str) -> tuple[int, str]:
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json().get("code", "")


async def test_tokens_that_are_not_valid_access_tokens_get_401(
    client: httpx.AsyncClient, alice: Account, settings: Settings
) -> None:
    key = signing_key(settings)
    now = datetime.now(UTC)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header, payload, signature = alice.access_token.split(".")
    tampered_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(
            alice.user_id.encode(), str(uuid.uuid4()).encode()
        )
    ).decode()
    hostile = {
        "expired": forge(key, sub=alice.user_id, exp=now - timedelta(seconds=5)),
        "not yet valid": forge(key, sub=alice.user_id, nbf=now + timedelta(minutes=5)),
        "refresh type": forge(key, sub=alice.user_id, type="refresh"),
        "unknown kid": forge(key, sub=alice.user_id, kid="not-a-key"),
        "foreign key": forge(stranger, sub=alice.user_id, kid=key_id(key.public_key())),
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "opaque refresh token": alice.refresh_token,
        "no sub": jwt.encode(
            {"exp": now + timedelta(minutes=5), "iat": now, "type": "access", "sid": "x"},
            key,
            algorithm="RS256",
            headers={"kid": key_id(key.public_key())},
        ),
        "deleted user": forge(key),
    }
    for name, token in hostile.items():
        assert await status_of(client, token) == (401, "invalid_token"), name
    assert await status_of(client, forge(key, sub=alice.user_id)) == (200, "")


@asynccontextmanager
async def serving(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings, database)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_a_rotated_out_key_works_while_published_then_not(
    settings: Settings, database: Database, tmp_path: Path
) -> None:
    old_key, new_key = tmp_path / "old.pem", tmp_path / "new.pem"
    generate_private_key(old_key)
    generate_private_key(new_key)
    before = settings.model_copy(update={"jwt_private_key_path": old_key})
    during = settings.model_copy(
        update={"jwt_private_key_path": new_key, "jwt_previous_public_key_paths": [old_key]}
    )
    after = settings.model_copy(update={"jwt_private_key_path": new_key})

    async with serving(before, database) as client:
        old_token = (await register(client, "rotate@example.com")).access_token
    async with serving(during, database) as client:
        assert await status_of(client, old_token) == (200, "")
        assert len((await client.get("/.well-known/jwks.json")).json()["keys"]) == 2
        login = await client.post(
            "/api/v1/auth/login", json={"identifier": "rotate@example.com", "password": PASSWORD}
        )
        new_token = login.json()["access_token"]
        assert (
            jwt.get_unverified_header(new_token)["kid"]
            != jwt.get_unverified_header(old_token)["kid"]
        )
    async with serving(after, database) as client:
        assert await status_of(client, old_token) == (401, "invalid_token")
        assert await status_of(client, new_token) == (200, "")


async def test_password_guessing_locks_out_the_guesser_not_the_owner(
    settings: Settings, database: Database
) -> None:
    limited = settings.model_copy(
        update={
            "rate_limit_enabled": True,
            "rate_limit_login": "3/minute",
            "rate_limit_login_account": "10/hour",
        }
    )
    app = create_app(limited, database)
    async with app.router.lifespan_context(app):

        def client_from(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 50000))
            return httpx.AsyncClient(transport=transport, base_url="http://test")

        async with client_from("10.0.0.1") as attacker, client_from("10.0.0.2") as family:
            await register(attacker, "victim@example.com")
            await register(attacker, "other@example.com")
            attempt = {"identifier": "victim@example.com", "password": "Wrong1234"}
            statuses = [
                (await attacker.post("/api/v1/auth/login", json=attempt)).status_code
                for _ in range(4)
            ]
            assert statuses == [401, 401, 401, 429]
            blocked = await attacker.post("/api/v1/auth/login", json=attempt)
            assert blocked.json()["code"] == "rate_limited"
            retry_after = int(blocked.headers["retry-after"])
            assert 1 <= retry_after <= 60
            assert blocked.json()["retryAfter"] == retry_after

            fine = await family.post(
                "/api/v1/auth/login", json={"identifier": "other@example.com", "password": PASSWORD}
            )
            assert fine.status_code == 200  # another account from another address
            owner = await family.post(
                "/api/v1/auth/login",
                json={"identifier": "victim@example.com", "password": PASSWORD},
            )
            assert owner.status_code == 200  # the owner, from home, is not locked out

        guessers = [client_from(f"10.0.1.{n}") for n in range(12)]
        statuses = []
        for guesser in guessers:  # one guess each from many addresses
            statuses.append((await guesser.post("/api/v1/auth/login", json=attempt)).status_code)
            await guesser.aclose()
        assert statuses.count(429) > 0  # the slower per-account limit still caps them


async def test_registration_is_limited_per_address(settings: Settings, database: Database) -> None:
    limited = settings.model_copy(
        update={"rate_limit_enabled": True, "rate_limit_register": "2/hour"}
    )
    async with serving(limited, database) as client:
        for n in range(2):
            await register(client, f"r{n}@example.com")
        third = await client.post(
            "/api/v1/auth/register",
            json={"email": "r3@example.com", "password": PASSWORD, "name": "R"},
        )
        assert third.status_code == 429
        assert int(third.headers["retry-after"]) > 60


async def test_login_rehashes_a_password_stored_with_old_argon2_parameters(
    settings: Settings, database: Database
) -> None:
    async with serving(settings, database) as client:
        await register(client, "rehash@example.com")
    stronger = settings.model_copy(update={"password_hash_time_cost": 2})
    async with serving(stronger, database) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"identifier": "rehash@example.com", "password": PASSWORD}
        )
        assert login.status_code == 200
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        stored = await conn.fetchval("SELECT password_hash FROM auth_credentials")
    finally:
        await conn.close()
    assert stored.startswith("$argon2id$")
    assert ",t=2," in stored


async def test_revoked_sessions_lose_their_access_tokens_on_every_process(
    client: httpx.AsyncClient, settings: Settings, database: Database
) -> None:
    """Logout, a password change and refresh-token reuse all end sessions: their access
    tokens are refused by another API process within a second, not when they expire."""
    async with serving(settings, database) as other_process:

        async def refused_elsewhere(token: str) -> bool:
            async def refused() -> bool:
                return await status_of(other_process, token) == (401, "invalid_token")

            await until(refused, "the other process refuses the token", timeout=1)
            return True

        ann = await register(client, "ann@example.com")
        assert await status_of(other_process, ann.access_token) == (200, "")
        out = await client.post(
            "/api/v1/auth/logout", json={"refresh_token": ann.refresh_token}, headers=ann.headers
        )
        assert out.status_code == 200
        assert await refused_elsewhere(ann.access_token)

        phone, tablet = [await login(client, "ann@example.com") for _ in range(2)]
        changed = await client.post(
            "/api/v1/auth/change-password",
            json={"current_password": PASSWORD, "new_password": "N3wPassword"},
            headers={"Authorization": f"Bearer {phone['access_token']}"},
        )
        assert changed.status_code == 200
        assert await refused_elsewhere(tablet["access_token"])  # other sessions end
        assert await status_of(other_process, phone["access_token"]) == (200, "")  # not its own

        rotated = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}
        )
        reuse = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}
        )
        assert (rotated.status_code, reuse.status_code) == (200, 401)
        assert await refused_elsewhere(rotated.json()["access_token"])  # the family is revoked


async def login(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login", json={"identifier": email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return cast(dict[str, Any], response.json())

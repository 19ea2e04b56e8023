"""HTTP hardening, session lifetime, what the database keeps of mail, and what production
refuses to start with (issue 27 item 5)."""

import re
from pathlib import Path

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from infra.database import Database
from infra.security.tokens import KeyUnusable
from infra.settings import Settings
from tests.api.accounts import PASSWORD, Account, verify
from tests.smtp import Mailbox
from tests.waiting import until
from vitaltrack.app import create_app

AUTH = "/api/v1/auth"


async def test_answers_carry_nosniff_and_token_answers_are_never_cached(
    client: httpx.AsyncClient, alice: Account
) -> None:
    login = await client.post(
        f"{AUTH}/login", json={"identifier": alice.email, "password": PASSWORD}
    )
    refreshed = await client.post(f"{AUTH}/refresh", json={"refresh_token": alice.refresh_token})
    for answer in (login, refreshed):
        assert answer.headers["cache-control"] == "no-store"
    me = await client.get(f"{AUTH}/me", headers=alice.headers)
    items = await client.get("/api/v1/items", headers=alice.headers)
    refused = await client.get("/api/v1/items")
    for answer in (login, me, items, refused):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in answer.headers  # off unless configured


async def test_hsts_when_configured_and_redirects_that_ignore_the_host_header(
    settings: Settings, database: Database
) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"hsts_max_age": 31536000}), database)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            live = await client.get("/live")
            assert live.headers["strict-transport-security"] == (
                "max-age=31536000; includeSubDomains"
            )
            moved = await client.get("/api/v1/items/?page=2", headers={"Host": "evil.example"})
            assert moved.status_code == 307
            assert moved.headers["location"] == "/api/v1/items?page=2"


async def test_a_session_ends_at_its_absolute_lifetime_however_often_it_refreshes(
    client: httpx.AsyncClient, database: Database, alice: Account
) -> None:
    fresh = await client.post(f"{AUTH}/refresh", json={"refresh_token": alice.refresh_token})
    assert fresh.status_code == 200
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:  # the session began 91 days ago (REFRESH_SESSION_MAX_DAYS is 90)
        await conn.execute("UPDATE auth_sessions SET created_at = now() - interval '91 days'")
    finally:
        await conn.close()
    token = fresh.json()["refresh_token"]
    old = await client.post(f"{AUTH}/refresh", json={"refresh_token": token})
    assert (old.status_code, old.json()["code"]) == (401, "invalid_token")
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:  # revoked, so its access tokens stop too (tested with the other revocations)
        assert await conn.fetchval("SELECT revoked_at IS NOT NULL FROM auth_sessions")
    finally:
        await conn.close()


async def test_sent_mail_keeps_no_live_link_in_the_database(
    client: httpx.AsyncClient, mailbox: Mailbox, database: Database, alice: Account
) -> None:
    await verify(client, mailbox, alice.email)
    await client.post(f"{AUTH}/forgot-password", json={"email": alice.email})
    mail = await mailbox.wait_for(alice.email, "Reset")
    token = re.findall(r"token=(\S+)", mail.body)[0]
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:

        async def all_sent() -> bool:  # the sender marks a row sent just after handing it over
            return not await conn.fetchval(
                "SELECT count(*) FROM email_outbox WHERE sent_at IS NULL"
            )

        await until(all_sent, "every mail marked sent", timeout=5)
        bodies = [r["body"] for r in await conn.fetch("SELECT body FROM email_outbox")]
    finally:
        await conn.close()
    assert bodies and not [b for b in bodies if token in b or "token=" in b]
    new = {"token": token, "new_password": "N3wPassword"}
    assert (await client.post(f"{AUTH}/reset-password", json=new)).status_code == 200


async def test_erasure_removes_mail_to_every_address_the_account_had(
    client: httpx.AsyncClient, mailbox: Mailbox, database: Database, alice: Account
) -> None:
    await verify(client, mailbox, alice.email)
    moved = {"email": "moved@example.com", "current_password": PASSWORD}
    assert (await client.patch(f"{AUTH}/me", json=moved, headers=alice.headers)).is_success
    await verify(client, mailbox, "moved@example.com")
    await client.delete(f"{AUTH}/me", headers=alice.headers)
    link = (await mailbox.wait_for("moved@example.com", "deletion")).body
    path = "/api/v1/" + link.split("/api/v1/")[1].split()[0]
    assert (await client.post(path)).status_code == 200
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        left = await conn.fetchval("SELECT count(*) FROM email_outbox")
    finally:
        await conn.close()
    assert left == 0  # mail to alice@ (the earlier address) went too


def test_production_refuses_a_guessable_secret_key() -> None:
    def production(secret: str) -> Settings:
        return Settings(
            environment="production",
            jwt_private_key_path=Path("k.pem"),
            database_url="postgresql://db/x",
            secret_key=secret,
        )

    for weak in ("a" * 32, "ab" * 24, "password" * 4):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            production(weak).check_safe_for_production()
    production("3f9a" + "c1e07b52d8" * 6).check_safe_for_production()


def test_a_signing_key_under_2048_bits_is_refused(
    settings: Settings, database: Database, tmp_path: Path
) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path = tmp_path / "weak.pem"
    path.write_bytes(
        weak.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(KeyUnusable, match="1024-bit"):
        create_app(settings.model_copy(update={"jwt_private_key_path": path}), database)

"""Rate limits that slow a guesser without locking the owner out (issue 27 items 3-5)."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from infra.database import Database
from infra.settings import Settings
from tests.api.accounts import PASSWORD, register, verify
from tests.smtp import Mailbox
from vitaltrack.app import create_app

AUTH = "/api/v1/auth"
WRONG = {"identifier": "victim@example.com", "password": "Wr0ngpass"}
RIGHT = {"identifier": "victim@example.com", "password": PASSWORD}

From = Callable[[str], httpx.AsyncClient]


@asynccontextmanager
async def limited(settings: Settings, database: Database, **limits: Any) -> AsyncIterator[From]:
    """An app with rate limits on, and clients that come from the address they are given."""
    on = settings.model_copy(update={"rate_limit_enabled": True, **limits})
    app: FastAPI = create_app(on, database)
    async with app.router.lifespan_context(app):

        def client_from(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 50000))
            return httpx.AsyncClient(transport=transport, base_url="http://test")

        yield client_from


async def post(client_from: From, address: str, path: str, body: dict[str, Any]) -> int:
    async with client_from(address) as client:
        return (await client.post(f"{AUTH}/{path}", json=body)).status_code


async def test_strangers_failing_from_many_addresses_do_not_lock_the_owner_out(
    settings: Settings, database: Database
) -> None:
    async with limited(
        settings, database, rate_limit_login="3/minute", rate_limit_login_account="4/hour"
    ) as client_from:
        async with client_from("192.0.2.1") as home:
            await register(home, "victim@example.com", username="victim")
        for n in range(4):
            assert await post(client_from, f"198.51.100.{n}", "login", WRONG) == 401
        # The account is guarded now: the owner, from an address that never failed, gets in
        assert await post(client_from, "192.0.2.1", "login", RIGHT) == 200
        by_name = {**RIGHT, "identifier": "victim"}
        assert await post(client_from, "203.0.113.9", "login", by_name) == 200
        assert await post(client_from, "203.0.113.9", "login", RIGHT) == 200

        # ... and the guessers are slowed: an address that failed is refused even when right,
        assert await post(client_from, "198.51.100.0", "login", RIGHT) == 429
        # a new address gets one guess, answered 429 (no hint that it was wrong), then none
        assert await post(client_from, "198.51.100.50", "login", WRONG) == 429
        assert await post(client_from, "198.51.100.50", "login", RIGHT) == 429
        # one address is held to `login` per minute whatever it does (API.md 1.6)
        statuses = [await post(client_from, "192.0.2.77", "login", WRONG) for _ in range(4)]
        assert statuses[-1] == 429


async def test_the_email_and_the_username_of_an_account_are_one_guessing_budget(
    settings: Settings, database: Database
) -> None:
    async with limited(settings, database, rate_limit_login_account="4/hour") as client_from:
        async with client_from("192.0.2.1") as home:
            await register(home, "victim@example.com", username="victim")
        by_username = {**WRONG, "identifier": "victim"}
        for n, guess in enumerate([WRONG, WRONG, by_username, by_username]):
            assert await post(client_from, f"198.51.100.{n}", "login", guess) == 401
        assert await post(client_from, "198.51.100.60", "login", by_username) == 429
        assert await post(client_from, "198.51.100.61", "login", WRONG) == 429


async def test_an_ipv6_guesser_cannot_rotate_addresses_inside_its_own_network(
    settings: Settings, database: Database
) -> None:
    async with limited(settings, database, rate_limit_login="2/minute") as client_from:
        statuses = [
            await post(client_from, f"2001:db8:1:2::{n:x}", "login", WRONG) for n in range(1, 4)
        ]
        assert statuses == [401, 401, 429]  # one /64 is one subscriber


async def test_anonymous_reset_requests_do_not_stop_the_owners_reset(
    settings: Settings, database: Database, mailbox: Mailbox
) -> None:
    async with limited(settings, database, rate_limit_forgot_password="2/hour") as client_from:
        async with client_from("192.0.2.1") as home:
            await register(home, "victim@example.com")
            await verify(home, mailbox, "victim@example.com")
        ask = {"email": "victim@example.com"}
        stranger = [await post(client_from, "198.51.100.7", "forgot-password", ask) for _ in "abc"]
        assert stranger == [200, 200, 429]  # the stranger's own address is limited
        assert await post(client_from, "192.0.2.1", "forgot-password", ask) == 200  # not 429
        first = await mailbox.wait_for("victim@example.com", "Reset")
        await mailbox.wait_for("victim@example.com", "Reset", count=2)
        conn = await asyncpg.connect(database.asyncpg_dsn)
        try:  # the mails are capped per account: no storm (the owner's queued none)
            queued = await conn.fetchval("SELECT count(*) FROM email_outbox WHERE kind = 'reset'")
        finally:
            await conn.close()
        assert queued == 2
        async with client_from("192.0.2.1") as home:
            token = first.body.split("token=")[1].split()[0]
            reset = await home.post(
                f"{AUTH}/reset-password", json={"token": token, "new_password": "N3wPassword"}
            )
            assert reset.status_code == 200  # a later request did not kill the earlier link


async def test_profile_changes_are_limited_per_account_and_per_target_address(
    settings: Settings, database: Database, mailbox: Mailbox
) -> None:
    async with (
        limited(
            settings, database, rate_limit_email_change="2/hour", rate_limit_profile="5/hour"
        ) as client_from,
        client_from("192.0.2.1") as client,
    ):
        ann, bob = await register(client, "ann@example.com"), await register(client)
        target = {"email": "target@example.com", "current_password": PASSWORD}
        statuses = [
            (await client.patch(f"{AUTH}/me", json=target, headers=ann.headers)).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 429]
        other = await client.patch(f"{AUTH}/me", json=target, headers=bob.headers)
        assert other.status_code == 429  # the address had its share, whoever asks
        conn = await asyncpg.connect(database.asyncpg_dsn)
        try:
            sent = "SELECT count(*) FROM email_outbox WHERE recipient = 'target@example.com'"
            assert await conn.fetchval(sent) == 2
        finally:
            await conn.close()
        probes = [
            await client.patch(f"{AUTH}/me", json={"username": f"u{n}x"}, headers=bob.headers)
            for n in range(5)
        ]
        assert [p.status_code for p in probes] == [200, 200, 200, 200, 429]  # no oracle


async def test_password_checks_are_limited_per_session(
    settings: Settings, database: Database
) -> None:
    async with (
        limited(settings, database, rate_limit_password_check="2/hour") as client_from,
        client_from("192.0.2.1") as client,
    ):
        nomail = {"username": "nomail", "password": PASSWORD, "name": "N"}
        stolen = (await client.post(f"{AUTH}/register", json=nomail)).json()
        headers = {"Authorization": f"Bearer {stolen['access_token']}"}
        change = {"current_password": "Wr0ngpass", "new_password": "N3wPassword"}
        wrong = await client.post(f"{AUTH}/change-password", json=change, headers=headers)
        assert wrong.status_code == 400
        erase = {"password": "Wr0ngpass"}
        assert (
            await client.request("DELETE", f"{AUTH}/me", json=erase, headers=headers)
        ).status_code == 400
        blocked = await client.post(f"{AUTH}/change-password", json=change, headers=headers)
        assert blocked.status_code == 429
        own = (await client.post(f"{AUTH}/login", json={**RIGHT, "identifier": "nomail"})).json()
        mine = {"Authorization": f"Bearer {own['access_token']}"}
        change["current_password"] = PASSWORD
        ok = await client.post(f"{AUTH}/change-password", json=change, headers=mine)
        assert ok.status_code == 200  # the owner's own session is not blocked

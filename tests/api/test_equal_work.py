"""Answers that must not tell, by their timing, whether an account exists; passwords hashed
no more than needed (issue 27 item 5). Proven by the work done, never by a stopwatch: what
the database holds at the moment the answer starts, and the Argon2 calls made."""

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from infra.security.passwords import Passwords
from tests.api.accounts import PASSWORD, Account, verify
from tests.documented import checked_client
from tests.smtp import Mailbox
from vitaltrack.services import provide, services_in

AUTH = "/api/v1/auth"
NEW = {"password": PASSWORD, "name": "New"}
MAIL_WORK = (
    "SELECT (SELECT count(*) FROM auth_one_time_tokens WHERE purpose <> 'delete_account') "
    "+ (SELECT count(*) FROM email_outbox)"
)


class CountingPasswords(Passwords):
    """The real Argon2, counted."""

    calls: list[str] = []  # noqa: RUF012 - replaced per instance below

    def hash(self, password: str) -> str:
        self.calls.append("hash")
        return super().hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls.append("verify")
        return super().verify(password_hash, password)


def counting(app: FastAPI) -> CountingPasswords:
    services = services_in(app)
    passwords = CountingPasswords(services.settings)
    passwords.calls = []
    accounts = dataclasses.replace(services.accounts, passwords=passwords)
    provide(app, dataclasses.replace(services, accounts=accounts))
    return passwords


def at_answer(app: FastAPI, seen: list[int]) -> Callable[..., Awaitable[None]]:
    """The app, noting how much mail work the database holds when each answer starts."""

    async def spied(scope: Any, receive: Any, send: Any) -> None:
        async def spy(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen.append(await services_in(app).pool.fetchval(MAIL_WORK))
            await send(message)

        await app(scope, receive, spy)

    return spied


async def test_forgot_and_resend_answer_before_the_work_that_depends_on_the_account(
    app: FastAPI, client: httpx.AsyncClient, mailbox: Mailbox, alice: Account
) -> None:
    await verify(client, mailbox, alice.email)
    await client.post(f"{AUTH}/register", json={"email": "new@example.com", **NEW})
    base = await services_in(app).pool.fetchval(MAIL_WORK)
    seen: list[int] = []
    async with checked_client(at_answer(app, seen)) as spied:
        for path, email in (
            ("forgot-password", alice.email),
            ("forgot-password", "nobody@example.com"),
            ("resend-verification", "new@example.com"),
            ("resend-verification", "nobody@example.com"),
        ):
            answer = await spied.post(f"{AUTH}/{path}", json={"email": email})
            assert answer.status_code == 200
    after = await services_in(app).pool.fetchval(MAIL_WORK)
    # Each answer left as it found the tokens and mails; the two real accounts' mail (a
    # token and an outbox row each) was made after their answers had gone.
    assert seen == [base, base + 2, base + 2, base + 4]
    assert after == base + 4
    await mailbox.wait_for(alice.email, "Reset")
    await mailbox.wait_for("new@example.com", "Verify", count=2)


async def test_change_password_hashes_only_after_the_current_password_is_right(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    argon2 = counting(app)
    body = {"current_password": "Wr0ngpass", "new_password": "N3wPassword"}
    wrong = await client.post(f"{AUTH}/change-password", json=body, headers=alice.headers)
    assert wrong.status_code == 400
    assert argon2.calls == ["verify"]  # a wrong guess costs one Argon2 run, not two
    body["current_password"] = PASSWORD
    right = await client.post(f"{AUTH}/change-password", json=body, headers=alice.headers)
    assert right.status_code == 200
    assert argon2.calls == ["verify", "verify", "hash"]

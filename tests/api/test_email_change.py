"""Changing the email address (API.md 3 #6 rev. 3, issue 27 items 1 and 2): a stolen access
token alone cannot move the account to another address, the new address is pending until
verified, the old one is told and can undo, and links mailed before die with the change."""

import re
from urllib.parse import urlsplit

import asyncpg
import httpx

from infra.database import Database
from tests.api.accounts import PASSWORD, Account, register, verify
from tests.smtp import Mailbox

AUTH = "/api/v1/auth"
NEW = "alice.new@example.com"


async def ask(client: httpx.AsyncClient, who: Account, **body: object) -> httpx.Response:
    return await client.patch(f"{AUTH}/me", json=body, headers=who.headers)


async def login(client: httpx.AsyncClient, identifier: str) -> httpx.Response:
    return await client.post(f"{AUTH}/login", json={"identifier": identifier, "password": PASSWORD})


async def refresh(client: httpx.AsyncClient, token: str) -> int:
    return (await client.post(f"{AUTH}/refresh", json={"refresh_token": token})).status_code


def path_of_link(body: str, path: str) -> str:
    match = re.search(rf"https?://\S+{path}\S+", body)
    assert match, body
    link = urlsplit(match[0])
    return f"{link.path}?{link.query}"


async def test_an_email_change_needs_the_current_password(
    client: httpx.AsyncClient, mailbox: Mailbox, alice: Account
) -> None:
    for body in ({"email": NEW}, {"email": NEW, "current_password": "Wr0ngpass"}):
        refused = await ask(client, alice, **body)
        assert (refused.status_code, refused.json()["code"]) == (400, "bad_request")
    me = (await client.get(f"{AUTH}/me", headers=alice.headers)).json()
    assert (me["email"], me["pendingEmail"]) == ("alice@example.com", None)
    assert mailbox.messages_to(NEW) == []
    # What the newer app's profile screen sends (app/profile.tsx:108 at 835fad3): no password
    renamed = await ask(client, alice, name="Alice A", username="alice_a")
    assert (renamed.status_code, renamed.json()["name"]) == (200, "Alice A")
    same = await ask(client, alice, email="alice@example.com")  # not a change: no password
    assert same.status_code == 200
    assert (await ask(client, alice, dailyDigest=False)).json()["dailyDigest"] is False


async def test_a_new_address_is_pending_until_verified_then_the_account_switches(
    client: httpx.AsyncClient, mailbox: Mailbox, database: Database, alice: Account
) -> None:
    await verify(client, mailbox, alice.email)
    tablet = (await login(client, alice.email)).json()
    asked = await ask(client, alice, email="Alice.New@Example.com", current_password=PASSWORD)
    assert asked.status_code == 200
    assert (asked.json()["email"], asked.json()["pendingEmail"]) == (alice.email, NEW)
    assert asked.json()["isEmailVerified"] is True  # the old address is still the account's
    assert (await client.get(f"{AUTH}/me", headers=alice.headers)).json() == asked.json()
    assert (await login(client, NEW)).status_code == 401
    assert (await login(client, alice.email)).status_code == 200
    await client.post(f"{AUTH}/forgot-password", json={"email": NEW})
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:  # no reset link to the pending address (its only mail is its verification)
        kinds = await conn.fetch("SELECT kind FROM email_outbox WHERE recipient = $1", NEW)
    finally:
        await conn.close()
    assert [r["kind"] for r in kinds] == ["verify"]

    await verify(client, mailbox, NEW)
    me = (await client.get(f"{AUTH}/me", headers=alice.headers)).json()
    assert (me["email"], me["pendingEmail"], me["isEmailVerified"]) == (NEW, None, True)
    assert await refresh(client, tablet["refresh_token"]) == 401  # other sessions end
    assert await refresh(client, alice.refresh_token) == 200  # the one that asked stays
    assert (await login(client, NEW)).status_code == 200
    assert (await login(client, alice.email)).status_code == 401
    await register(client, alice.email)  # the old address is free again


async def test_the_old_address_is_told_and_its_link_cancels_a_pending_change(
    client: httpx.AsyncClient, mailbox: Mailbox, alice: Account
) -> None:
    await verify(client, mailbox, alice.email)
    await ask(client, alice, email=NEW, current_password=PASSWORD)
    notice = await mailbox.wait_for(alice.email, "is changing")
    assert NEW in notice.body
    undo = path_of_link(notice.body, "undo-email-change")
    preview = await client.get(undo)
    assert preview.status_code == 200
    assert "frame-ancestors 'none'" in preview.headers["content-security-policy"]
    assert (await client.get(f"{AUTH}/me", headers=alice.headers)).status_code == 200  # GET: no

    done = await client.post(undo)
    assert done.status_code == 200, done.text
    assert (await client.get(f"{AUTH}/me", headers=alice.headers)).status_code == 401
    me = (await login(client, alice.email)).json()["user"]
    assert (me["email"], me["pendingEmail"]) == (alice.email, None)
    code = await mailbox.wait_for(NEW, "Verify")
    assert "code in the app" in code.body
    dead = await client.get(path_of_link(code.body, "verify-email"))
    assert dead.status_code == 400  # the pending address's link died with the change
    assert (await client.post(undo)).status_code == 400  # single use


async def test_the_undo_link_gives_the_old_address_back_after_the_switch(
    client: httpx.AsyncClient, mailbox: Mailbox, alice: Account
) -> None:
    await verify(client, mailbox, alice.email)
    await ask(client, alice, email=NEW, current_password=PASSWORD)
    undo = path_of_link((await mailbox.wait_for(alice.email, "is changing")).body, "undo-")
    await verify(client, mailbox, NEW)
    await client.post(f"{AUTH}/forgot-password", json={"email": NEW})  # the thief's reset
    thief_reset = path_of_link((await mailbox.wait_for(NEW, "Reset")).body, "reset-password")

    assert (await client.post(undo)).status_code == 200
    assert (await login(client, NEW)).status_code == 401
    me = (await login(client, alice.email)).json()["user"]
    assert (me["email"], me["isEmailVerified"]) == (alice.email, True)
    assert (await client.get(thief_reset)).status_code == 400  # reset links died with it
    assert await refresh(client, alice.refresh_token) == 401  # every session ended
    await client.post(f"{AUTH}/forgot-password", json={"email": alice.email})
    await mailbox.wait_for(alice.email, "Reset")  # the owner can take the password back


async def test_links_mailed_to_the_old_address_die_when_the_address_changes(
    client: httpx.AsyncClient, mailbox: Mailbox, alice: Account
) -> None:
    await verify(client, mailbox, alice.email)
    await client.post(f"{AUTH}/forgot-password", json={"email": alice.email})
    reset = path_of_link((await mailbox.wait_for(alice.email, "Reset")).body, "reset-password")
    assert (await client.delete(f"{AUTH}/me", headers=alice.headers)).status_code == 202
    mail = await mailbox.wait_for(alice.email, "deletion")
    deletion = urlsplit(re.findall(r"https?://\S+", mail.body)[0]).path
    await ask(client, alice, email=NEW, current_password=PASSWORD)
    assert (await client.get(reset)).status_code == 200  # pending: still the account's
    await verify(client, mailbox, NEW)
    assert (await client.get(reset)).status_code == 400
    assert (await client.post(deletion)).status_code == 400
    assert (await client.get(f"{AUTH}/me", headers=alice.headers)).status_code == 200


async def test_an_unverified_address_gets_no_reset_or_deletion_link(
    client: httpx.AsyncClient, mailbox: Mailbox, alice: Account
) -> None:
    await client.post(f"{AUTH}/forgot-password", json={"email": alice.email})
    asked = await client.delete(f"{AUTH}/me", headers=alice.headers)  # as the newer app does
    assert (asked.status_code, asked.json()["message"]) == (
        202,
        "Confirm your email address first (we sent you a link), then ask again.",
    )
    await mailbox.wait_for(alice.email, "Verify", count=2)
    assert [m.subject for m in mailbox.messages_to(alice.email)] == [
        "Verify your VitalTrack email address"
    ] * 2  # no reset link, no deletion link: a verification link instead
    wrong = {"password": "Wr0ngpass"}
    refused = await client.request("DELETE", f"{AUTH}/me", json=wrong, headers=alice.headers)
    assert (refused.status_code, refused.json()["code"]) == (400, "bad_request")

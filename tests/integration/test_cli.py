"""`vitaltrack serve` on its own embedded Postgres, as a new user runs it."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.integration.commandline import VITALTRACK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "VITALTRACK_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}


def postgres_running_in(pgdata: Path) -> bool:
    return any(
        str(pgdata) in " ".join(p.info["cmdline"] or [])
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["name"] == "postgres"
    )


def wait_for_health(url: str, server: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, "server exited early"
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("server never answered /health")


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    # Short path (the embedded server's unix socket lives in it), one per test.
    path = Path(f"/tmp/vt-cli-{os.getpid()}-{tmp_path.name[-12:]}")
    shutil.rmtree(path, ignore_errors=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_serve_starts_embedded_postgres_answers_and_stops_cleanly(data_dir: Path) -> None:
    port = free_port()
    env = embedded_env(data_dir)
    server = subprocess.Popen([*VITALTRACK, "serve", "--port", str(port)], env=env)
    try:
        health = wait_for_health(f"http://127.0.0.1:{port}/health", server)
        assert health.status_code == 200
        assert health.json()["database"] == "connected"
        register = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/register",
            json={"username": "cli_user", "password": "Passw0rdOK", "name": "CLI"},
        )
        assert register.status_code == 201

        status = subprocess.run(
            [*VITALTRACK, "projections", "status"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "categories" in status.stdout
        assert "users" in status.stdout
        assert postgres_running_in(data_dir / "pgdata"), "status must not stop serve's database"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert not postgres_running_in(data_dir / "pgdata")


def test_serve_with_two_workers_shares_its_database_and_stops_them_all(data_dir: Path) -> None:
    """serve --workers 2: two API processes on one port and one embedded database; a write
    through either is read through either, and SIGTERM stops workers and database."""
    port = free_port()
    log = data_dir.parent / f"{data_dir.name}-serve.log"
    server = subprocess.Popen(
        [*VITALTRACK, "serve", "--port", str(port), "--workers", "2"],
        env=embedded_env(data_dir),
        stderr=log.open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        two_workers_serve(base, server)
        workers = worker_processes(server.pid)
        assert len(workers) == 2
    except (AssertionError, httpx.HTTPError, KeyError) as exc:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        said = log.read_text(errors="replace")[-3000:]
        raise AssertionError(f"{exc!r}; the server said: {said}") from exc
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    said = log.read_text(errors="replace")[-3000:]
    log.unlink()
    assert server.returncode == 0, said
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []
    assert not postgres_running_in(data_dir / "pgdata")


def two_workers_serve(base: str, server: subprocess.Popen[bytes]) -> None:
    """Both workers up; a write through one connection is read through fresh ones."""
    health = wait_for_health(f"{base}/health", server)
    assert health.status_code == 200, health.text
    deadline = time.monotonic() + 60
    while len(worker_processes(server.pid)) < 2:
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.2)
    answer = httpx.post(
        f"{base}/api/v1/auth/register",
        json={"username": "two_workers", "password": "Passw0rdOK", "name": "Two"},
    ).json()
    headers = {"Authorization": f"Bearer {answer['access_token']}"}
    with httpx.Client(base_url=base, headers=headers) as client:  # new connections spread
        made = client.post("/api/v1/categories", json={"name": "Shared"})
        assert made.status_code == 201, made.text
        for _ in range(10):
            with httpx.Client(base_url=base, headers=headers) as fresh:
                assert fresh.get("/api/v1/categories").json()["total"] >= 1


def worker_processes(pid: int) -> list[psutil.Process]:
    workers = []
    for child in psutil.Process(pid).children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                workers.append(child)
        except psutil.Error:  # a child that is gone, or a zombie, is no worker
            continue
    return workers


def test_status_works_on_its_own_and_leaves_nothing_running(data_dir: Path) -> None:
    env = embedded_env(data_dir)
    migrate = subprocess.run([*VITALTRACK, "migrate"], env=env, capture_output=True, text=True)
    assert migrate.returncode == 0, migrate.stderr
    status = subprocess.run(
        [*VITALTRACK, "projections", "status", "--json"], env=env, capture_output=True, text=True
    )
    assert status.returncode == 0, status.stderr
    reported = json.loads(status.stdout)
    assert {p["name"] for p in reported} == {
        "users",
        "categories",
        "items",
        "orders",
        "activity",
        "feed",
        "usage",
    }
    assert all(p["position"] == 0 and p["lag"] == 0 for p in reported)
    assert not postgres_running_in(data_dir / "pgdata")


def test_production_refuses_development_defaults(tmp_path: Path) -> None:
    env = {**embedded_env(tmp_path), "ENVIRONMENT": "production"}
    result = subprocess.run([*VITALTRACK, "migrate"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr
    assert "JWT_PRIVATE_KEY_PATH" in result.stderr

"""Schema fuzzing (schemathesis): every operation of the OpenAPI schema, with generated and
mutated inputs, signed in, against a live `vitaltrack serve`: never a 5xx, and every answer
as documented (its status, content type and body schema). Bounded here
(FUZZ_EXAMPLES per operation); a long run: FUZZ_EXAMPLES=200 pytest tests/api/test_schema_fuzz.py
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infra.database import Database
from tests.integration.test_cli import free_port

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
AS_DOCUMENTED = [status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def live_server(migrated_database: Database) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": migrated_database.asyncpg_dsn,
        "ENVIRONMENT": "testing",
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_PARALLELISM": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "vitaltrack.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/live", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
        assert b"Traceback" not in errors, errors.decode()[-3000:]


@pytest.fixture(scope="module")
def api_schema(live_server: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{live_server}/openapi.json")


@pytest.fixture(scope="module")
def signed_in(live_server: str) -> dict[str, str]:
    body = {"email": "fuzz@example.com", "password": "Sup3rSecret", "name": "Fuzz"}
    answer = httpx.post(f"{live_server}/api/v1/auth/register", json=body, timeout=10).json()
    return {"Authorization": f"Bearer {answer['access_token']}"}


def test_no_input_makes_the_server_fail(
    api_schema: schemathesis.BaseSchema, signed_in: dict[str, str]
) -> None:
    """Valid inputs and mutated ones (wrong types, missing fields, hostile values) for every
    operation; schemathesis's own pytest plugin does not run on pytest 9 yet."""
    failures = []
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _fuzz(operation, mode, signed_in)
    assert failures == []


def _fuzz(operation: Any, mode: GenerationMode, signed_in: dict[str, str]) -> list[str]:
    failures: list[str] = []
    # Ending the session would fuzz everything after it unauthenticated.
    ends_session = operation.path in ("/api/v1/auth/logout", "/api/v1/auth/me") and (
        operation.method.upper() in ("POST", "DELETE")
    )

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    def run(case: Any) -> None:
        if not ends_session:
            case.headers = {**signed_in, **(case.headers or {})}
        response = case.call(timeout=30)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path}: {response.text[:300]}")
        try:
            case.validate_response(response, checks=AS_DOCUMENTED)
        except FailureGroup as exc:
            where = f"{case.method} {case.formatted_path} {response.status_code}"
            failures.append(f"{where}: {str(exc)[:500]}")

    with contextlib.suppress(Unsatisfiable):  # nothing to mutate (no parameters, no body)
        run()
    return failures


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"NOT-HTTP\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
        b"POST /api/v1/categories HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    ids=["request line", "content length", "chunk size"],
)
def test_malformed_http_is_answered_with_the_json_error_body(
    live_server: str, request_bytes: bytes
) -> None:
    """uvicorn's parser refuses these before the app sees them; the answer is still ours."""
    host, port = live_server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request_bytes)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *headers = head.decode("latin-1").split("\r\n")
    assert status_line.startswith("HTTP/1.1 400"), answer
    assert "content-type: application/json" in [h.lower() for h in headers]
    problem = json.loads(body)
    assert (problem["status"], problem["code"]) == (400, "bad_request")
    assert problem["detail"] == "Invalid HTTP request received."


def test_head_is_served_by_the_running_server(live_server: str) -> None:
    got, head = httpx.get(f"{live_server}/live"), httpx.head(f"{live_server}/live")
    assert head.status_code == got.status_code == 200
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.content == b""

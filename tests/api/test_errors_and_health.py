"""Problem bodies for every failure, and the health endpoints (API.md 1.5 and 9)."""

import json
import logging
import re

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from infra.database import Database
from infra.settings import Settings
from tests.api.accounts import register
from tests.documented import checked_client
from vitaltrack.app import create_app
from vitaltrack.observability import JsonFormatter


async def test_unknown_route_is_a_not_found_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    # The app reads error bodies only when the type contains application/json (API.md 1.1).
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "not_found"
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert body["type"] == "https://vitaltrack.app/problems/not_found"


async def test_problem_json_only_when_the_client_asks_for_it(client: httpx.AsyncClient) -> None:
    for accept, media_type in (
        ("application/problem+json", "application/problem+json"),
        ("application/json, application/problem+json;q=0.9", "application/problem+json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
    ):
        response = await client.get("/api/v1/items", headers={"Accept": accept})
        assert response.status_code == 401
        assert response.headers["content-type"].split(";")[0] == media_type, accept
        assert response.json()["code"] == "not_authenticated"


async def test_wrong_method_is_a_problem_too(client: httpx.AsyncClient) -> None:
    response = await client.patch("/api/v1/categories")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


async def test_unexpected_errors_answer_a_generic_500_with_a_request_id(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internals: /etc/passwd")

    app.add_api_route("/explode", explode)
    response = await client.get("/explode")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    assert "secret" not in response.text
    assert body["requestId"] == response.headers["x-request-id"]


async def test_a_client_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "phone-42"})
    assert response.headers["x-request-id"] == "phone-42"


async def test_health_reports_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["database"] == "connected"
    assert body["environment"] == "testing"


async def test_readiness_reports_projection_lag(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert {p["name"] for p in body["projections"]} == {
        "users",
        "categories",
        "items",
        "orders",
        "activity",
        "feed",
        "usage",
    }
    assert all(p["lag"] == 0 for p in body["projections"])


async def test_liveness_answers_without_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/live")
    assert (response.status_code, response.json()) == (200, {"status": "alive"})


async def test_metrics_answer_only_this_machine_or_the_token(
    app: FastAPI, settings: Settings, database: Database
) -> None:
    local = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    remote = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 4000)), base_url="http://t"
    )
    async with local, remote:
        metrics = await local.get("/metrics")
        assert metrics.status_code == 200
        assert "vitaltrack_projection_failures_total" in metrics.text
        assert (await remote.get("/metrics")).status_code == 404
    guarded = create_app(settings.model_copy(update={"metrics_token": "s3cret"}), database)
    async with guarded.router.lifespan_context(guarded):
        transport = httpx.ASGITransport(app=guarded, client=("203.0.113.9", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as scraper:
            assert (await scraper.get("/metrics")).status_code == 401
            wrong = await scraper.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            ok = await scraper.get("/metrics", headers={"Authorization": "Bearer s3cret"})
            assert ok.status_code == 200


async def test_each_request_is_one_structured_log_line_without_secrets(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="vitaltrack.access"):
        body = {"email": "log@example.com", "password": "Sup3rSecret", "name": "Log"}
        token = (await client.post("/api/v1/auth/register", json=body)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "req-42"}
        await client.get("/api/v1/items/nope", headers=headers)
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    assert [(r["method"], r["route"], r["status"]) for r in lines] == [
        ("POST", "/api/v1/auth/register", 201),
        ("GET", "/api/v1/items/{item_id}", 404),
    ]
    assert lines[1]["request_id"] == "req-42" and lines[1]["user_id"]
    assert all(isinstance(r["duration_ms"], float) for r in lines)
    assert not any("Sup3rSecret" in json.dumps(r) or token in json.dumps(r) for r in lines)
    scraped = await client.get("/metrics")
    assert scraped.headers["content-type"].startswith("text/plain; version=")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(scraped.text)
        for sample in family.samples
    }
    route = (("method", "GET"), ("route", "/api/v1/items/{item_id}"))
    assert samples["vitaltrack_http_requests_total", (*route, ("status", "404"))] == 1
    assert samples["vitaltrack_http_request_seconds_count", route] == 1
    assert samples["vitaltrack_http_request_seconds_bucket", (("le", "+Inf"), *route)] == 1
    assert samples["vitaltrack_db_pool_connections", (("state", "max"),)] > 0
    assert ("vitaltrack_read_your_writes_timeouts_total", ()) in samples


async def test_the_docs_load_without_a_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page.text)
    assert assets and not any(a.startswith("http") for a in assets)  # served by us
    for asset in assets:
        assert (await client.get(asset)).status_code == 200, asset


async def test_root_and_openapi(client: httpx.AsyncClient) -> None:
    assert (await client.get("/")).json()["api"] == "/api/v1"
    schema = (await client.get("/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"]  # the Authorize button
    items = schema["paths"]["/api/v1/items"]["get"]
    assert items["security"] == [{name: []} for name in schemes]
    assert "security" not in schema["paths"]["/api/v1/auth/login"]["post"]
    assert "/api/v1/categories/{category_id}" in schema["paths"]


async def test_a_write_answered_before_the_read_side_has_it_says_so(
    settings: Settings, database: Database
) -> None:
    """With no projection running, a write still commits and answers (after the read-your-
    writes timeout), and `Read-Side: behind` tells the client a list may not show it yet;
    a read-only answer carries no such header."""
    quick = settings.model_copy(update={"read_your_writes_timeout": 0.05})
    app = create_app(quick, database, run_projections=False)
    async with app.router.lifespan_context(app), checked_client(app) as client:
        who = await register(client, "late@example.com")
        made = await client.post("/api/v1/categories", json={"name": "Late"}, headers=who.headers)
        assert made.status_code == 201, made.text
        assert made.headers["Read-Side"] == "behind"
        listed = await client.get("/api/v1/categories", headers=who.headers)
        assert "Read-Side" not in listed.headers

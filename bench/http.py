"""HTTP under load: 32 clients against `vitaltrack serve` (one process, the production
settings), each its own signed-in session, one household of 20 categories and 500 items;
the bare baseline (bench/bare.py) on the same tables in the same run; the same server with
`--workers 2`; and each server process's memory at start and after its run; the issue's
targets for these scenarios (bench/report.target). One module over ~350 lines: the load
generator, the runs and their table are one benchmark."""

import asyncio
import contextlib
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import aiohttp
import psutil

from bench.bare import prepare_writes
from bench.report import heading, line, percentile, target
from infra.database import Database
from infra.security.tokens import generate_private_key

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
ONLY = os.environ.get("BENCH_ONLY", "")  # run only the scenarios whose label contains this
PASSWORD = "Passw0rdOK"
STOCK, MIXED = "PATCH /items/{id}/stock (delta)", "mixed 80% reads / 20% stock"
BOOTSTRAP = "POST /sync/pull bootstrap (500 items)"
LATENCIES: dict[str, list[float]] = {}  # each scenario's latencies in this run, in seconds

Request = Callable[[aiohttp.ClientSession, int], Awaitable[int]]


@dataclass
class Household:
    base: str
    tokens: list[str] = field(default_factory=list)  # one session per client
    item_ids: list[str] = field(default_factory=list)
    cursor: str = ""


def auth(household: Household, n: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {household.tokens[n % len(household.tokens)]}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return cast(int, s.getsockname()[1])


async def serve(args: list[str], env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            try:
                async with http.get(f"{url}/openapi.json") as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientError:
                await asyncio.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{args} never answered")


async def prepare(base: str) -> Household:
    household = Household(base)
    async with aiohttp.ClientSession() as http:
        body = {"email": "bench@example.com", "password": PASSWORD, "name": "Bench"}
        async with http.post(f"{base}/api/v1/auth/register", json=body) as response:
            first = await response.json()
        headers = {"Authorization": f"Bearer {first['access_token']}"}
        ops = [
            {
                "id": f"c{n}",
                "type": "create",
                "entity": "category",
                "localId": f"c{n}",
                "data": {"name": f"Category {n}", "displayOrder": n},
            }
            for n in range(20)
        ]
        ops += [
            {
                "id": f"i{n}",
                "type": "create",
                "entity": "item",
                "localId": f"i{n}",
                "data": {
                    "categoryId": f"c{n % 20}",
                    "name": f"Item {n:03d}",
                    "quantity": 50,
                    "minimumStock": n % 7,
                },
            }
            for n in range(500)
        ]
        for start in range(0, len(ops), 500):
            push = {"operations": ops[start : start + 500], "mode": "ops"}
            async with http.post(f"{base}/api/v1/sync/push", json=push, headers=headers) as r:
                assert r.status == 200, await r.text()
                household.item_ids += [
                    x["entityId"] for x in (await r.json())["results"] if x["id"].startswith("i")
                ]
        for _ in range(CLIENTS):
            login = {"identifier": "bench@example.com", "password": PASSWORD}
            async with http.post(f"{base}/api/v1/auth/login", json=login) as response:
                household.tokens.append((await response.json())["access_token"])
        async with http.post(f"{base}/api/v1/sync/pull", json={}, headers=headers) as response:
            household.cursor = (await response.json())["nextCursor"]
        ops = [
            {
                "id": f"a{n}",
                "type": "adjust_stock",
                "entity": "item",
                "entityId": i,
                "data": {"delta": 1},
            }
            for n, i in enumerate(household.item_ids[:100])
        ]
        push = {"operations": ops, "mode": "ops"}
        async with http.post(f"{base}/api/v1/sync/push", json=push, headers=headers) as r:
            assert r.status == 200
    return household


def scenarios(h: Household) -> dict[str, Request]:
    async def get(http: aiohttp.ClientSession, n: int, path: str) -> int:
        async with http.get(f"{h.base}{path}", headers=auth(h, n)) as response:
            await response.read()
            return response.status

    async def post(http: aiohttp.ClientSession, n: int, path: str, body: dict[str, Any]) -> int:
        async with http.post(f"{h.base}{path}", json=body, headers=auth(h, n)) as response:
            await response.read()
            return response.status

    async def stock(http: aiohttp.ClientSession, n: int) -> int:
        item = random.choice(h.item_ids)
        body = {"delta": random.choice((-1, 1))}
        async with http.patch(
            f"{h.base}/api/v1/items/{item}/stock", json=body, headers=auth(h, n)
        ) as response:
            await response.read()
            return response.status

    async def mixed(http: aiohttp.ClientSession, n: int) -> int:
        if random.random() < 0.2:
            return await stock(http, n)
        path = random.choice(
            (
                "/api/v1/items?pageSize=100",
                "/api/v1/items/stats",
                f"/api/v1/items/{random.choice(h.item_ids)}",
            )
        )
        return await get(http, n, path)

    return {
        "GET /items page of 100": lambda s, n: get(s, n, "/api/v1/items?pageSize=100"),
        "GET /items/stats": lambda s, n: get(s, n, "/api/v1/items/stats"),
        "GET /items/{id}": lambda s, n: get(s, n, f"/api/v1/items/{random.choice(h.item_ids)}"),
        "GET /categories": lambda s, n: get(s, n, "/api/v1/categories"),
        STOCK: stock,
        MIXED: mixed,
        BOOTSTRAP: lambda s, n: post(s, n, "/api/v1/sync/pull", {}),
        "POST /sync/pull cursor page (100 events)": lambda s, n: post(
            s, n, "/api/v1/sync/pull", {"cursor": h.cursor, "limit": 100}
        ),
    }


async def load(request: Request) -> tuple[float, list[float], int]:
    """CLIENTS loops for SECONDS (after a short warm-up): (req/s, latencies, errors)."""
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def client(n: int, until: float, record: bool) -> None:
            nonlocal errors
            while (now := time.perf_counter()) < until:
                status = await request(http, n)
                if record:
                    latencies.append(time.perf_counter() - now)
                    errors += status >= 400

        warm = time.perf_counter() + min(1.0, SECONDS / 5)
        await asyncio.gather(*(client(n, warm, False) for n in range(CLIENTS)))
        started = time.perf_counter()
        until = started + SECONDS
        await asyncio.gather(*(client(n, until, True) for n in range(CLIENTS)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, errors


def report(label: str, rate: float, samples: list[float], errors: int) -> None:
    ms = [s * 1000 for s in samples]
    line(
        label,
        f"{rate:7.0f} req/s  p50 {percentile(ms, 50):6.1f}  p95 {percentile(ms, 95):6.1f}  "
        f"p99 {percentile(ms, 99):6.1f} ms  errors {errors}",
    )


def cpu_seconds(server: subprocess.Popen[bytes]) -> dict[str, dict[int, float]]:
    """CPU time so far of the server's processes, PostgreSQL's and this load generator's."""
    root = psutil.Process(server.pid)
    groups = {
        "server": [root, *root.children(recursive=True)],
        "PostgreSQL": [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"],
        "load generator": [psutil.Process()],
    }
    seconds: dict[str, dict[int, float]] = {}
    for group, processes in groups.items():
        seconds[group] = {}
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                seconds[group][process.pid] = times.user + times.system
    return seconds


async def measure(label: str, request: Request, server: subprocess.Popen[bytes]) -> float:
    """One scenario: its figures, and where the machine's cores went meanwhile (cores busy
    per second of the run): what bounds a run on a machine the three share."""
    before, started = cpu_seconds(server), time.perf_counter()
    rate, samples, errors = await load(request)
    LATENCIES[label] = samples
    after, elapsed = cpu_seconds(server), time.perf_counter() - started
    report(label, rate, samples, errors)
    used = {
        group: sum(t - before[group].get(pid, 0.0) for pid, t in after[group].items()) / elapsed
        for group in after
    }
    line("  cores busy", ", ".join(f"{group} {cores:.2f}" for group, cores in used.items()))
    return rate


def server_env(database: Database, data_dir: Path, log_level: str) -> dict[str, str]:
    """The production settings we recommend, with a signing key of the benchmark's own."""
    key = data_dir / "bench-signing.pem"
    generate_private_key(key)
    return {
        **os.environ,
        "DATABASE_URL": database.asyncpg_dsn,
        "ENVIRONMENT": "production",
        "SECRET_KEY": "bench-secret-key-of-at-least-32-characters",
        "JWT_PRIVATE_KEY_PATH": str(key),
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": log_level,
    }


# Scenarios with a bare counterpart, and the share of it each must reach (issue 26).
BARE = {"GET /items page of 100": 0.95, "GET /items/stats": 0.95, STOCK: 0.60}


def targets(ours: dict[str, float], bare: dict[str, float]) -> None:
    for label, share in BARE.items():
        if label in bare:
            ratio = ours[label] / bare[label]
            target(f"{label} >= {share:.0%} of bare", f"{ratio:.0%}", ratio >= share)
    if MIXED in ours:  # the reference system is not part of this benchmark
        target("mixed 80/20 >= 45x the reference", f"{ours[MIXED]:,.0f} req/s", None)


def rss_mb(process: subprocess.Popen[bytes]) -> list[float]:
    """Resident memory of the server's API processes (its workers if it has any), in MB."""
    root = psutil.Process(process.pid)
    workers = [c for c in root.children() if "spawn_main" in " ".join(c.cmdline())]
    return [p.memory_info().rss / 2**20 for p in (workers or [root])]


def memory(label: str, at_start: list[float], after: list[float]) -> None:
    shown = ", ".join(f"{a:.0f} -> {b:.0f} MB" for a, b in zip(at_start, after, strict=True))
    line(f"memory per API process, {label}", shown)


async def scaling(
    env: dict[str, str], household: Household, ours: dict[str, float], bare: dict[str, float]
) -> None:
    """The item page and stock changes again on `serve --workers 2` (same database), and the
    item page on the bare baseline with two processes: what this machine allows."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "vitaltrack.cli", "serve", "--port", str(port)]
    two = await serve([*args, "--workers", "2"], env, url)
    try:
        await asyncio.sleep(2)  # both workers up
        at_start = rss_mb(two)
        chosen = scenarios(Household(url, household.tokens, household.item_ids, household.cursor))
        for label in ("GET /items page of 100", STOCK):
            if label in ours:
                rate = await measure(f"2 processes: {label}", chosen[label], two)
                line(f"  2 processes / 1, {label}", f"{rate / ours[label]:6.2f}x")
        memory("2 processes", at_start, rss_mb(two))
    finally:
        two.terminate()
        two.wait(30)
    label = "GET /items page of 100"
    if label in bare:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        pair = await serve([sys.executable, "-m", "bench.bare", str(port), "2"], env, url)
        try:
            await asyncio.sleep(2)
            request = scenarios(Household(url, household.tokens, household.item_ids))[label]
            rate = await measure(f"bare baseline, 2 processes: {label}", request, pair)
            line(f"  2 processes / 1, bare baseline, {label}", f"{rate / bare[label]:6.2f}x")
        finally:
            pair.terminate()
            pair.wait(30)


async def run(database: Database, data_dir: Path) -> None:
    heading(f"http ({CLIENTS} clients, {SECONDS:.0f} s per scenario, one server process)")
    env = server_env(database, data_dir, "INFO")
    ours_port, bare_port = free_port(), free_port()
    ours_url, bare_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{bare_port}"
    ours = await serve(
        [sys.executable, "-m", "vitaltrack.cli", "serve", "--port", str(ours_port)], env, ours_url
    )
    try:
        ours_at_start = rss_mb(ours)
        household = await prepare(ours_url)
        rates, bare_rates = {}, {}
        for label, request in scenarios(household).items():
            if ONLY in label:
                rates[label] = await measure(label, request, ours)
                if label == BOOTSTRAP:
                    p99 = percentile(LATENCIES[label], 99) * 1000
                    target("first pull: p99 < 150 ms at 32 clients", f"{p99:.0f} ms", p99 < 150)
                    target("first pull >= 50x the reference", f"{rates[label]:,.0f} req/s", None)
        await prepare_writes(database.asyncpg_dsn)
        bare = await serve([sys.executable, "-m", "bench.bare", str(bare_port)], env, bare_url)
        try:
            bare_scenarios = scenarios(Household(bare_url, household.tokens, household.item_ids))
            for label in BARE:
                if label in rates:
                    bare_rates[label] = await measure(
                        f"bare baseline: {label}", bare_scenarios[label], bare
                    )
                    line(f"  ours / bare, {label}", f"{rates[label] / bare_rates[label]:7.0%}")
        finally:
            bare.terminate()
            bare.wait(10)
        targets(rates, bare_rates)
        memory("1 process", ours_at_start, rss_mb(ours))
        await scaling(env, household, rates, bare_rates)
    finally:
        ours.terminate()
        ours.wait(30)

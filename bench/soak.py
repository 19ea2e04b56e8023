"""Soak: 32 clients of mixed traffic (80 % reads, 20 % stock deltas) against `vitaltrack
serve` for SOAK_SECONDS (default 600): no errors, flat memory, and every acknowledged stock
change in the event log exactly once. Run: `.venv/bin/python -m bench soak`."""

import asyncio
import os
import random
import sys
import time
from pathlib import Path
from typing import cast

import aiohttp
import asyncpg
import psutil

from bench.http import CLIENTS, Household, auth, free_port, prepare, serve, server_env
from bench.report import heading, line
from infra.database import Database

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))


async def traffic(base: str, household: Household, until: float) -> tuple[int, int, int]:
    """(requests, errors, acknowledged stock changes)."""
    counts = [0, 0, 0]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENTS)) as http:

        async def client(n: int) -> None:
            while time.perf_counter() < until:
                if random.random() < 0.2:
                    item = random.choice(household.item_ids)
                    request = http.patch(
                        f"{base}/api/v1/items/{item}/stock",
                        json={"delta": random.choice((-1, 1))},
                        headers=auth(household, n),
                    )
                else:
                    path = random.choice(("/api/v1/items?pageSize=100", "/api/v1/items/stats"))
                    request = http.get(f"{base}{path}", headers=auth(household, n))
                async with request as response:
                    await response.read()
                    counts[0] += 1
                    if response.status == 409:  # below zero: refused, and counted as refused
                        continue
                    counts[1] += response.status >= 400
                    counts[2] += response.method == "PATCH" and response.status == 200

        await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return counts[0], counts[1], counts[2]


async def run(database: Database, data_dir: Path) -> None:
    heading(f"soak ({CLIENTS} clients, {SECONDS:.0f} s, mixed 80/20)")
    env = server_env(database, data_dir, "WARNING")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = await serve(
        [sys.executable, "-m", "vitaltrack.cli", "serve", "--port", str(port)], env, base
    )
    try:
        household = await prepare(base)
        conn = await asyncpg.connect(database.asyncpg_dsn)
        before = await stock_events(conn)
        memory = []
        started = time.perf_counter()
        job = asyncio.create_task(traffic(base, household, started + SECONDS))
        while not job.done():
            memory.append(psutil.Process(server.pid).memory_info().rss / 2**20)
            await asyncio.wait([job], timeout=max(1.0, SECONDS / 20))
        requests, errors, acknowledged = job.result()
        written = await stock_events(conn) - before
        await conn.close()
    finally:
        server.terminate()
        server.wait(30)
    line("requests", f"{requests:,} ({requests / SECONDS:,.0f}/s)")
    line("errors (4xx but refused deltas, 5xx)", f"{errors}")
    line("acknowledged stock changes / events written", f"{acknowledged:,} / {written:,}")
    third = max(1, len(memory) // 3)
    early, late = sum(memory[:third]) / third, sum(memory[-third:]) / third
    line("server memory, first third -> last third", f"{early:.0f} MB -> {late:.0f} MB")


async def stock_events(conn: asyncpg.Connection) -> int:
    return cast(
        int,
        await conn.fetchval(
            "SELECT count(*) FROM vitaltrack_events WHERE topic = 'events.item:Item.StockAdjusted'"
        ),
    )

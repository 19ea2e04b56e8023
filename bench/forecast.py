"""Forecasts under load (issue 25): GET /items/forecast for a household of 500 items with a
year of stock history (over 100k stock events) and for one with a month of it, 32 clients
each a signed-in session, on one `serve` process (production settings); GET /items/stats on
the same server as the floor of this machine (the smallest read there is).

The histories are written in-process by the command handlers on a clock moved day by day
(events/clock.py), as a family would have written them, and `serve` projects them. Both
households end the same (the month's is the year's last month), so the two differ in the
length of their history only. The goals: p99 under 50 ms at 32 clients, and the year within
1.5x of the month (a forecast reads one usage row per item, whatever the history's length)."""

import asyncio
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.http import CLIENTS, PASSWORD, SECONDS, free_port, load, report, serve, server_env
from bench.report import heading, line, percentile, target
from command.categories import handlers as categories
from command.items import handlers as items
from command.unit_of_work import BatchedUnitOfWork
from events.category import CategoryDetails
from events.clock import stamp_with
from events.item import ItemDetails
from events.store import Store
from infra.clock import FixedClock
from infra.database import Database

ITEMS = 500
DAYS = 365


@dataclass(frozen=True)
class Year:
    """A year of a household's stock changes, day by day: (item number, delta, reason)."""

    minimums: list[int]
    quantities: list[list[int]]  # each item's quantity at the start of each day
    days: list[list[tuple[int, int, str]]]


def a_year(seed: int = 1) -> Year:
    """Most supplies used most days, each restocked monthly a little short of its use: by the
    end, about one in ten is out, low or running out within two weeks."""
    rng = random.Random(seed)
    minimums = [rng.randint(0, 30) for _ in range(ITEMS)]
    stock, quantities, days = [150] * ITEMS, [], []
    for day in range(DAYS):
        quantities.append(list(stock))
        changes = []
        for n in range(ITEMS):
            if rng.random() < 0.7 and stock[n] >= (use := rng.randint(1, 4)):
                changes.append((n, -use, "used"))
                stock[n] -= use
            if day % 30 == n % 30:
                changes.append((n, delivery := rng.randint(20, 75), "delivery"))
                stock[n] += delivery
        days.append(changes)
    return Year(minimums, quantities, days)


def write_history(database: Database, owner: uuid.UUID, year: Year, days: int) -> int:
    """The last `days` days of `year` as a household's history up to now (its items created
    with the quantities of that first day); returns the stock events written."""
    store = Store(env=database.eventsourcing_env(2))
    start = datetime.now(UTC) - timedelta(days=days)
    clock = FixedClock(start)
    stamp_with(clock.now)
    uow = BatchedUnitOfWork(store)
    shelves = [
        categories.create_category(
            uow,
            categories.CreateCategory(
                owner_id=owner, details=CategoryDetails(name=f"Shelf {n}", display_order=n)
            ),
        ).aggregate.id
        for n in range(20)
    ]
    first = DAYS - days
    made = []
    for n in range(ITEMS):
        details = ItemDetails(
            name=f"Supply {n:03d}", minimum_stock=year.minimums[n], is_critical=n % 5 == 0
        )
        cmd = items.CreateItem(
            owner_id=owner,
            category_id=shelves[n % 20],
            local_id=None,
            quantity=year.quantities[first][n],
            details=details,
        )
        made.append(items.create_item(uow, cmd).aggregate.id)
    uow.flush()
    for day, changes in enumerate(year.days[first:]):
        for n, delta, reason in changes:
            clock.at = start + timedelta(days=day, minutes=n)
            change = items.ChangeStock(owner_id=owner, item_id=made[n], delta=delta, reason=reason)
            items.change_stock(uow, change)
        uow.flush()
    store.close()
    return sum(len(changes) for changes in year.days[first:])


async def household(base: str, email: str) -> tuple[uuid.UUID, list[str]]:
    """An account (its household) and one signed-in session per client."""
    async with aiohttp.ClientSession() as http:
        body = {"email": email, "password": PASSWORD, "name": "Bench"}
        async with http.post(f"{base}/api/v1/auth/register", json=body) as response:
            owner = uuid.UUID((await response.json())["user"]["id"])
        tokens = []
        for _ in range(CLIENTS):
            login = {"identifier": email, "password": PASSWORD}
            async with http.post(f"{base}/api/v1/auth/login", json=login) as response:
                tokens.append((await response.json())["access_token"])
    return owner, tokens


async def projected(database: Database) -> None:
    """Wait until the server's projections have applied every event."""
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        while await conn.fetchval(
            "SELECT (SELECT max(notification_id) FROM vitaltrack_events) > "
            "(SELECT min(position) FROM projection_tracking)"
        ):
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


def getter(base: str, path: str, tokens: list[str]) -> Any:
    async def get(http: aiohttp.ClientSession, n: int) -> int:
        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
        async with http.get(f"{base}{path}", headers=headers) as response:
            await response.read()
            return response.status

    return get


async def listed(base: str, token: str) -> int:
    """How many items the forecast lists."""
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {token}"}
        async with http.get(f"{base}/api/v1/items/forecast", headers=headers) as response:
            return len((await response.json())["items"])


async def run(database: Database, data_dir: Path) -> None:
    heading(f"forecast ({CLIENTS} clients, one server process, {ITEMS} items)")
    env = server_env(database, data_dir, "WARNING")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "vitaltrack.cli", "serve", "--port", str(port)]
    server = await serve(args, env, url)
    try:
        households = await prepared(database, url)
        figures = {}
        for label, tokens in households.items():
            get = getter(url, "/api/v1/items/forecast", tokens)
            figures[label] = await measured(f"GET /items/forecast, {label} of history", get)
        (month_rate, month_p99), (year_rate, year_p99) = figures.values()
        ratio = f"req/s {year_rate / month_rate:5.2f}x  p99 {year_p99 / month_p99:5.2f}x"
        line("  1 year / 1 month", ratio)
        goal = "forecast: p99 < 50 ms, 32 clients"
        target(f"{goal}, saturated", f"{year_p99:.1f} ms", year_p99 < 50)
        flat = max(month_rate / year_rate, year_p99 / month_p99)
        target("forecast: 1 year within 1.5x of 1 month", f"{flat:.2f}x", flat <= 1.5)
        year = households["1 year"]
        for path, label in (
            ("/items?pageSize=100", "GET /items page of 100"),
            ("/items/stats", "GET /items/stats"),
        ):
            await measured(f"{label}, same server (for scale)", getter(url, f"/api/v1{path}", year))
        forecast = getter(url, "/api/v1/items/forecast", year)
        for every in (1.0, 0.2):
            offered = f"{CLIENTS / every:.0f} req/s offered"
            _, p99 = await measured(
                f"forecast, 1 year, each client every {every:g} s ({offered})", forecast, every
            )
            target(f"{goal}, {offered}", f"{p99:.1f} ms", p99 < 50)
    finally:
        server.terminate()
        server.wait(30)


async def prepared(database: Database, url: str) -> dict[str, list[str]]:
    """Both households written and projected; each one's sessions, by the length of history.
    Then VACUUM ANALYZE, as autovacuum leaves tables that are written all day."""
    households, year = {}, a_year()
    for label, days in (("1 month", 31), ("1 year", DAYS)):
        owner, tokens = await household(url, f"{days}@bench.example.com")
        started = time.perf_counter()
        events = await asyncio.to_thread(write_history, database, owner, year, days)
        await projected(database)
        took = time.perf_counter() - started
        line(f"history of {label}", f"{events:,} stock events, in {took:.0f} s")
        households[label] = tokens
    conn = await asyncpg.connect(database.asyncpg_dsn)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    line("items the forecast lists (both)", str(await listed(url, households["1 year"][0])))
    return households


async def measured(label: str, request: Any, every: float | None = None) -> tuple[float, float]:
    """req/s and p99 (ms) of one scenario, printed: each client sends its next request when
    the answer comes (`every` None: the server saturated), or every `every` seconds."""
    rate, samples, errors = await (load(request) if every is None else paced(request, every))
    report(label, rate, samples, errors)
    return rate, percentile([s * 1000 for s in samples], 99)


async def paced(request: Any, every: float) -> tuple[float, list[float], int]:
    """CLIENTS clients for SECONDS, each starting a request every `every` seconds (or as soon
    as the last one answers, when it took longer): latency below saturation."""
    latencies: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENTS)) as http:

        async def client(n: int, until: float) -> None:
            nonlocal errors
            await asyncio.sleep(every * n / CLIENTS)  # spread over the interval
            while (started := time.perf_counter()) < until:
                errors += await request(http, n) >= 400
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(max(0.0, started + every - time.perf_counter()))

        began = time.perf_counter()
        await asyncio.gather(*(client(n, began + SECONDS) for n in range(CLIENTS)))
        elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, latencies, errors

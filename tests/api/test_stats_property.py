"""Stats and needs-attention always equal a recount of the items table (hypothesis)."""

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from infra.database import Database
from infra.settings import Settings
from tests.api.accounts import register
from tests.api.inventory import category, get, stock
from tests.documented import checked_client
from vitaltrack.app import create_app

quantities = st.integers(min_value=0, max_value=8)
operation = st.one_of(
    st.tuples(st.just("create"), quantities, quantities, st.booleans(), st.booleans()),
    st.tuples(st.just("delta"), st.integers(0, 50), st.integers(-5, 5).filter(bool)),
    st.tuples(st.just("set"), st.integers(0, 50), quantities),
    st.tuples(st.just("update"), st.integers(0, 50), quantities, st.booleans(), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 50)),
)


async def run(client: httpx.AsyncClient, ops: list[tuple[Any, ...]], pool: asyncpg.Pool) -> None:
    who = await register(client)
    category_id = (await category(client, who))["id"]
    items: list[str] = []
    for op in ops:
        kind, *args = op
        if kind == "create":
            quantity, minimum, active, critical = args
            body = {
                "categoryId": category_id,
                "name": f"i{len(items)}",
                "quantity": quantity,
                "minimumStock": minimum,
                "isActive": active,
                "isCritical": critical,
            }
            response = await client.post("/api/v1/items", json=body, headers=who.headers)
            items.append(response.json()["id"])
            continue
        if not items:
            continue
        item_id = items[args[0] % len(items)]
        if kind == "delta":
            await stock(client, who, item_id, delta=args[1])  # may be refused below zero
        elif kind == "set":
            await stock(client, who, item_id, quantity=args[1])
        elif kind == "update":
            body = {"minimumStock": args[1], "isActive": args[2], "isCritical": args[3]}
            await client.put(f"/api/v1/items/{item_id}", json=body, headers=who.headers)
        else:
            await client.delete(f"/api/v1/items/{item_id}", headers=who.headers)
            items.remove(item_id)

    recount = await pool.fetchrow(
        "SELECT count(*) FILTER (WHERE is_active) AS total, "
        "count(*) FILTER (WHERE is_active AND quantity <= 0) AS out, "
        "count(*) FILTER (WHERE is_active AND quantity > 0 AND quantity < minimum_stock) AS low, "
        "count(*) FILTER (WHERE is_active AND is_critical) AS critical "
        "FROM items WHERE owner_id = $1",
        uuid.UUID(who.user_id),
    )
    assert recount is not None
    stats = await get(client, who, "/items/stats")
    assert (
        stats["totalItems"],
        stats["outOfStockCount"],
        stats["lowStockCount"],
        stats["criticalItems"],
    ) == (recount["total"], recount["out"], recount["low"], recount["critical"])
    attention = await get(client, who, "/items/low-stock")
    assert (attention["outOfStockCount"], attention["lowStockCount"]) == (
        recount["out"],
        recount["low"],
    )
    assert attention["total"] == recount["out"] + recount["low"]


@examples(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, min_size=200, max_size=200))
def test_stats_equal_a_recount_after_random_operations(
    settings: Settings, database: Database, ops: list[tuple[Any, ...]]
) -> None:
    async def scenario() -> None:
        app = create_app(settings, database)
        async with (
            app.router.lifespan_context(app),
            checked_client(app) as client,
            asyncpg.create_pool(database.asyncpg_dsn, min_size=1, max_size=2) as pool,
        ):
            await run(client, ops, pool)

    asyncio.run(scenario())

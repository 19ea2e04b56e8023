"""The bare baseline of the HTTP benchmark: what the same reads and stock changes cost with
nothing of ours in the way. A FastAPI app with the same RS256 check; a read is one asyncpg
query on the same read tables that builds the JSON in Postgres, and bytes out; a stock change
is one statement, so one transaction, that updates the item row and appends its event row
(the library's format) with the default commit durability, and answers the item's JSON. The
writes go to copies of the items and events tables (`prepare_writes`), so the real server's
log and projections never see them. Run as `python -m bench.bare PORT [WORKERS]` with
DATABASE_URL and JWT_PRIVATE_KEY_PATH set as for the real server.
"""

import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import jwt
import orjson
import uvicorn
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI, Request, Response

ITEM = (
    "json_build_object('id', id, 'categoryId', category_id, 'localId', local_id, 'name', name, "
    "'description', description, 'quantity', quantity, 'unit', unit, 'minimumStock', "
    "minimum_stock, 'expiryDate', expiry_date, 'brand', brand, 'notes', notes, 'supplierName', "
    "supplier_name, 'supplierContact', supplier_contact, 'purchaseLink', purchase_link, "
    "'imageUri', image_uri, 'isActive', is_active, 'isCritical', is_critical, "
    "'leadTimeDays', lead_time_days, 'version', "
    "version, 'createdAt', created_at, 'updatedAt', updated_at)"
)
PAGE = (
    f"SELECT json_build_object('items', coalesce(json_agg({ITEM} ORDER BY name, id), '[]'), "
    "'total', (SELECT count(*) FROM items WHERE owner_id = $1), 'page', 1, 'pageSize', $2::int, "
    "'hasMore', (SELECT count(*) FROM items WHERE owner_id = $1) > $2::int)::text "
    "FROM (SELECT * FROM items WHERE owner_id = $1 ORDER BY name, id LIMIT $2) i"
)
STATS = (
    "SELECT json_build_object('totalItems', total_items, 'totalCategories', total_categories, "
    "'outOfStockCount', out_of_stock_count, 'lowStockCount', low_stock_count, "
    "'criticalItems', critical_items, 'pendingOrdersCount', pending_orders_count)::text "
    "FROM owner_stats WHERE owner_id = $1"
)


# The event as the library stores it (events.item:Item.StockAdjusted), built in the same
# statement from the row it changed.
STOCK = (
    "WITH item AS (UPDATE bare_items SET quantity = quantity + $2, version = version + 1, "
    "updated_at = now() WHERE id = $1 AND owner_id = $3 AND quantity + $2 >= 0 RETURNING *), "
    "event AS (INSERT INTO bare_events (originator_id, originator_version, topic, state) "
    "SELECT id, version, 'events.item:Item.StockAdjusted', convert_to(json_build_object("
    "'timestamp', json_build_object('_type_', 'datetime_iso', '_data_', updated_at), "
    "'owner_id', json_build_object('_type_', 'uuid_hex', '_data_', "
    "replace(owner_id::text, '-', '')), "
    "'delta', $2::int, 'quantity', quantity, 'reason', NULL, 'via', 'api')::text, 'UTF8') "
    f"FROM item RETURNING 1) SELECT {ITEM}::text FROM item, event"
)


async def prepare_writes(dsn: str) -> None:
    """Copies of the items (with their rows) and of the events table (empty) for the bare
    stock changes: the same columns, keys and indexes."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "DROP TABLE IF EXISTS bare_items, bare_events; "
            "CREATE TABLE bare_items (LIKE items INCLUDING ALL); "
            "CREATE TABLE bare_events (originator_id uuid NOT NULL, originator_version bigint "
            "NOT NULL, topic text, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version)); "
            "CREATE UNIQUE INDEX ON bare_events (notification_id)"
        )
        columns = await conn.fetchval(
            "SELECT string_agg(column_name, ', ') FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = 'items' AND is_generated = 'NEVER'"
        )
        await conn.execute(f"INSERT INTO bare_items ({columns}) SELECT {columns} FROM items")
    finally:
        await conn.close()


def create_bare_app(dsn: str, public_key: object) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=4, max_size=10)
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    def owner(request: Request) -> uuid.UUID:
        token = request.headers["authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, public_key, algorithms=["RS256"])  # type: ignore[arg-type]
        return uuid.UUID(claims["sub"])

    @app.get("/api/v1/items")
    async def items(request: Request) -> Response:
        body = await request.app.state.pool.fetchval(PAGE, owner(request), 100)
        return Response(body, media_type="application/json")

    @app.patch("/api/v1/items/{item_id}/stock")
    async def stock(item_id: uuid.UUID, request: Request) -> Response:
        delta = orjson.loads(await request.body())["delta"]
        body = await request.app.state.pool.fetchval(STOCK, item_id, delta, owner(request))
        if body is None:
            return Response(status_code=409)
        return Response(body, media_type="application/json")

    @app.get("/api/v1/items/stats")
    async def stats(request: Request) -> Response:
        body = await request.app.state.pool.fetchval(STATS, owner(request))
        return Response(body, media_type="application/json")

    return app


def from_env() -> FastAPI:
    """The app as uvicorn's factory: each worker process builds its own."""
    with open(os.environ["JWT_PRIVATE_KEY_PATH"], "rb") as pem:
        key = serialization.load_pem_private_key(pem.read(), password=None)
    return create_bare_app(os.environ["DATABASE_URL"], key.public_key())


def main() -> None:
    port, workers = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1
    uvicorn.run(
        "bench.bare:from_env",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()

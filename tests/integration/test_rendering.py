"""JSON that PostgreSQL builds (wire/render.sql_array: the item page, a bootstrap pull's
categories and items; a cursor page's events) is the JSON the Python renderer writes for the
same rows: same keys in the same order, same values, the awkward ones included (timestamps on
the second, characters JSON must escape, nulls)."""

import uuid
from datetime import UTC, date, datetime

import asyncpg
import orjson

from query.categories.queries import COLUMNS as CATEGORY_COLUMNS
from query.items.queries import COLUMNS, ITEM, ItemFilter, item_page_json
from query.params import Window
from query.sync.pull import EVENT
from wire.categories import CategoryOut
from wire.render import rendered, shape, sql_array, to_json

AWKWARD = [
    'quote " backslash \\ slash /',
    "control \x01 \x1f tab \t newline \n",
    "unicode é 漢字 \u2028 emoji 🩺",
]


async def test_the_item_page_built_in_sql_is_what_the_python_renderer_writes(
    pg_pool: asyncpg.Pool,
) -> None:
    owner, category = uuid.uuid4(), uuid.uuid4()
    on_the_second = datetime(2026, 12, 1, 16, 22, 32, tzinfo=UTC)
    odd_micro = datetime(2026, 12, 1, 16, 22, 32, 5, tzinfo=UTC)
    rows = [
        (AWKWARD[0], on_the_second, odd_micro, date(2027, 1, 31), "brand"),
        (AWKWARD[1], odd_micro, on_the_second, None, None),
        (AWKWARD[2], datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC), odd_micro, None, ""),
    ]
    for n, (text, created, updated, expiry, brand) in enumerate(rows):
        await pg_pool.execute(
            "INSERT INTO items (id, owner_id, category_id, local_id, name, description, "
            "quantity, unit, minimum_stock, expiry_date, brand, notes, supplier_name, "
            "supplier_contact, purchase_link, image_uri, is_active, is_critical, version, "
            "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pieces', 2, $8, $9, "
            "NULL, NULL, NULL, NULL, NULL, $10, $11, $12, $13, $14)",
            uuid.uuid4(),
            owner,
            category,
            f"local-{n}",
            f"{n} {text}",
            text,
            n * 999_999 // 2,
            expiry,
            brand,
            n % 2 == 0,
            n == 1,
            2**40 + n,
            created,
            updated,
        )

    page, total = await item_page_json(pg_pool, owner, ItemFilter(), Window.at(0, 100))

    expected = await pg_pool.fetch(
        f"SELECT {COLUMNS} FROM items WHERE owner_id = $1 ORDER BY name, id", owner
    )
    assert total == 3
    assert orjson.loads(page) == orjson.loads(to_json([rendered(ITEM, r) for r in expected]))
    assert [list(item) for item in orjson.loads(page)] == [[w for _, w in ITEM]] * 3
    assert orjson.loads(page)[0]["createdAt"] == "2026-12-01T16:22:32Z"
    assert orjson.loads(page)[1]["createdAt"] == "2026-12-01T16:22:32.000005Z"

    past_the_end = await item_page_json(pg_pool, owner, ItemFilter(), Window.at(100, 100))
    assert past_the_end == ("[]", 3)


async def test_categories_built_in_sql_are_what_the_python_renderer_writes(
    pg_pool: asyncpg.Pool,
) -> None:
    owner = uuid.uuid4()
    stamps = [
        datetime(2026, 12, 1, 16, 22, 32, tzinfo=UTC),
        datetime(2026, 12, 1, 16, 22, 32, 5, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    for n, (text, stamp) in enumerate(zip(AWKWARD, stamps, strict=True)):
        await pg_pool.execute(
            "INSERT INTO categories (id, owner_id, local_id, name, description, display_order, "
            "is_default, version, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
            uuid.uuid4(),
            owner,
            None if n else "local",
            text,
            None if n == 1 else text,
            2 - n,
            n == 0,
            n + 1,
            stamp,
        )
    order = ["display_order", "name", "id"]

    built = await pg_pool.fetchval(
        sql_array(CategoryOut, "categories WHERE owner_id = $1", order), owner
    )

    expected = await pg_pool.fetch(
        f"SELECT {CATEGORY_COLUMNS} FROM categories WHERE owner_id = $1 "
        "ORDER BY display_order, name, id",
        owner,
    )
    fields = shape(CategoryOut)
    assert orjson.loads(built) == orjson.loads(to_json([rendered(fields, r) for r in expected]))
    assert [c["displayOrder"] for c in orjson.loads(built)] == [0, 1, 2]
    assert [list(c) for c in orjson.loads(built)] == [[w for _, w in fields]] * 3
    query = sql_array(CategoryOut, "categories WHERE owner_id = $1", order, "id", "version")
    with_versions = await pg_pool.fetchrow(query, owner)
    assert with_versions is not None and with_versions[0] == built
    assert list(zip(with_versions[1], with_versions[2], strict=True)) == [
        (r["id"], r["version"]) for r in expected
    ]


async def test_feed_events_built_in_sql_are_what_python_wrote_for_them(
    pg_pool: asyncpg.Pool,
) -> None:
    """The cursor page's events (query/sync/pull.EVENT), against the rendering it replaced:
    occurredAt as datetime.isoformat() writes it, the stored resource JSON as it is."""
    owner = uuid.uuid4()
    stamps = [
        datetime(2026, 12, 1, 16, 22, 32, tzinfo=UTC),
        datetime(2026, 12, 1, 16, 22, 32, 5, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
    ]
    data = [orjson.dumps({"name": AWKWARD[0], "quantity": 3}).decode(), None, '{"a" : [1, 2]}']
    for n, (stamp, document) in enumerate(zip(stamps, data, strict=True)):
        await pg_pool.execute(
            "INSERT INTO owner_feed (owner_id, position, entity, entity_id, version, type, data, "
            "occurred_at) VALUES ($1, $2, 'item', $3, $4, $5, $6, $7)",
            owner,
            10 + n,
            uuid.uuid4(),
            2**40 + n,
            "deleted" if document is None else "updated",
            document,
            stamp,
        )

    rows = await pg_pool.fetch(
        f"SELECT *, {EVENT} AS event FROM owner_feed WHERE owner_id = $1 ORDER BY position", owner
    )

    for row in rows:
        assert orjson.loads(row["event"]) == {
            "position": row["position"],
            "type": row["type"],
            "entity": row["entity"],
            "entityId": str(row["entity_id"]),
            "version": row["version"],
            "data": orjson.loads(row["data"]) if row["data"] is not None else None,
            "occurredAt": row["occurred_at"].isoformat(),
        }
    assert [orjson.loads(r["event"])["occurredAt"] for r in rows] == [
        "2026-12-01T16:22:32+00:00",
        "2026-12-01T16:22:32.000005+00:00",
        "2026-01-02T03:04:05.600000+00:00",
    ]

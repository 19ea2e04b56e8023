"""What a pull delivered to a session, kept until the device proves it received it.

A pull appends no events: this is operational state (one row per session and per entity,
see command/sync/session.py), written in the pull's own transaction. A bootstrap pull starts
the session's knowledge afresh; a pull that continues from the cursor the last pull
returned proves that the last pull arrived.
"""

import random
from uuid import UUID

import asyncpg

SWEEP_PROBABILITY = 0.01
RETENTION_DAYS = 60  # longer than any session (refresh tokens live 30 days)


async def record_delivery(
    conn: asyncpg.Connection,
    owner_id: UUID,
    session_id: UUID,
    *,
    continued_from: int | None,
    bootstrap: bool,
    next_position: int,
    delivered: list[tuple[str, UUID, int]] | None,
) -> None:
    """`continued_from`: the cursor position the pull started at (None for a bootstrap).
    `delivered`: (entity, id, version) of what the pull returned; None for the whole
    household, read here from the same snapshot the pull rendered it from (the caller's
    REPEATABLE READ transaction) instead of being sent back row by row."""
    seq = await conn.fetchval(
        "INSERT INTO sync_sessions (session_id, owner_id, seq) VALUES ($1, $2, 1) "
        "ON CONFLICT (session_id) DO UPDATE SET seq = sync_sessions.seq + 1 RETURNING seq",
        session_id,
        owner_id,
    )
    await conn.execute(
        "UPDATE sync_sessions SET "
        "proven_seq = CASE WHEN cursor_position = $2 THEN greatest(proven_seq, cursor_seq) "
        "ELSE proven_seq END, "
        "bootstrap_seq = CASE WHEN $3 THEN $4 ELSE bootstrap_seq END, "
        "cursor_seq = $4, cursor_position = $5, updated_at = now() WHERE session_id = $1",
        session_id,
        continued_from,
        bootstrap,
        seq,
        next_position,
    )
    if delivered is None:
        await conn.execute(
            "INSERT INTO sync_session_entities "
            "(session_id, entity_id, entity, delivered_version, delivered_seq) "
            "SELECT $1, id, entity, version, $2 FROM ("
            "SELECT 'category' AS entity, id, version FROM categories WHERE owner_id = $3 "
            "UNION ALL SELECT 'item', id, version FROM items WHERE owner_id = $3 "
            "UNION ALL SELECT 'order', id, version FROM orders WHERE owner_id = $3"
            ") AS household ORDER BY id "
            "ON CONFLICT (session_id, entity_id) DO UPDATE "
            "SET delivered_version = EXCLUDED.delivered_version, delivered_seq = $2",
            session_id,
            seq,
            owner_id,
        )
    elif delivered:
        await conn.execute(
            "INSERT INTO sync_session_entities "
            "(session_id, entity_id, entity, delivered_version, delivered_seq) "
            "SELECT $1, i, e, v, $2 FROM unnest($3::text[], $4::uuid[], $5::bigint[]) "
            "AS t(e, i, v) ORDER BY i "
            "ON CONFLICT (session_id, entity_id) DO UPDATE "
            "SET delivered_version = EXCLUDED.delivered_version, delivered_seq = $2",
            session_id,
            seq,
            [d[0] for d in delivered],
            [d[1] for d in delivered],
            [d[2] for d in delivered],
        )


async def sweep(conn: asyncpg.Connection) -> None:
    """Now and then, forget sessions nobody has used for long (their rows go with them)."""
    if random.random() < SWEEP_PROBABILITY:
        await conn.execute(
            "DELETE FROM sync_sessions WHERE updated_at < now() - make_interval(days => $1)",
            RETENTION_DAYS,
        )

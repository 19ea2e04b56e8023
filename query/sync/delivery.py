"""What a pull delivered to a session, kept until the device proves it received it.

A pull appends no events: this is operational state (one row per session and per entity,
see command/sync/session.py), written in the pull's own transaction. A bootstrap pull starts
the session's knowledge afresh; a request that sends back a token of an earlier answer (its
cursor, its serverTime as lastSyncAt) proves that answer arrived.
"""

import random
from datetime import datetime
from uuid import UUID

import asyncpg

from wire.cursors import Receipt

SWEEP_PROBABILITY = 0.01
RETENTION_DAYS = 60  # longer than any session (refresh tokens live 30 days)


async def record_delivery(
    conn: asyncpg.Connection,
    owner_id: UUID,
    session_id: UUID,
    *,
    receipt: Receipt,
    bootstrap: bool,
    next_position: int,
    server_time: datetime,
    delivered: list[tuple[str, UUID, int]] | None,
) -> None:
    """`receipt`: the tokens of an earlier answer the request sent back (its cursor, its
    lastSyncAt), which prove that answer arrived. `delivered`: (entity, id, version) of what
    the pull returned; None for the whole household (a bootstrap), read here from the same
    snapshot the pull rendered it from (the caller's REPEATABLE READ transaction) and kept
    as one row of arrays, replacing the session's previous bootstrap. The pull's own tokens
    (`server_time`, `next_position`) are kept among the session's last eight, for a later
    request to prove this answer with."""
    seq = await conn.fetchval(
        "INSERT INTO sync_sessions (session_id, owner_id, seq) VALUES ($1, $2, 1) "
        "ON CONFLICT (session_id) DO UPDATE SET seq = sync_sessions.seq + 1 RETURNING seq",
        session_id,
        owner_id,
    )
    await conn.execute(
        "SELECT sync_prove_receipt($1, $2, $3)", session_id, receipt.last_sync_at, receipt.position
    )
    await conn.execute(
        "UPDATE sync_sessions SET "
        "bootstrap_seq = CASE WHEN $2 THEN $3 ELSE bootstrap_seq END, "
        f"pull_seqs = {_KEEP.format('pull_seqs', '$3::integer')}, "
        f"pull_times = {_KEEP.format('pull_times', '$4::timestamptz')}, "
        f"pull_positions = {_KEEP.format('pull_positions', '$5::bigint')}, "
        f"pull_lost = {_KEEP.format('pull_lost', 'false')}, "
        "updated_at = now() WHERE session_id = $1",
        session_id,
        bootstrap,
        seq,
        server_time,
        next_position,
    )
    if delivered is None:  # one row for the whole household (migration 0019)
        await conn.execute(
            "INSERT INTO sync_bootstraps AS b (session_id, seq, kinds, ids, versions) "
            "SELECT $1, $2, coalesce(array_agg(entity), '{}'), coalesce(array_agg(id), '{}'), "
            "coalesce(array_agg(version), '{}') FROM ("
            "SELECT 'category' AS entity, id, version FROM categories WHERE owner_id = $3 "
            "UNION ALL SELECT 'item', id, version FROM items WHERE owner_id = $3 "
            "UNION ALL SELECT 'order', id, version FROM orders WHERE owner_id = $3"
            ") AS household ON CONFLICT (session_id) DO UPDATE SET seq = EXCLUDED.seq, "
            "kinds = EXCLUDED.kinds, ids = EXCLUDED.ids, versions = EXCLUDED.versions",
            session_id,
            seq,
            owner_id,
        )
    elif delivered:
        await conn.execute(
            "INSERT INTO sync_session_entities AS e "
            "(session_id, entity_id, entity, delivered_versions, delivered_seqs) "
            "SELECT $1, id, kind, ARRAY[version], ARRAY[$2::integer] "
            "FROM unnest($3::text[], $4::uuid[], $5::bigint[]) AS t(kind, id, version) "
            "ORDER BY id " + _DELIVERED,
            session_id,
            seq,
            [d[0] for d in delivered],
            [d[1] for d in delivered],
            [d[2] for d in delivered],
        )


# The last eight of a session's pulls, or of an entity's deliveries: `column` with `value`
# appended.
_KEEP = "({0} || {1})[greatest(1, cardinality({0}) - 6):]"

# Each delivery is kept (the last eight): if the latest answers are lost, the device still
# holds an earlier one (command/sync/receipts.py).
_DELIVERED = (
    "ON CONFLICT (session_id, entity_id) DO UPDATE SET "
    f"delivered_versions = {_KEEP.format('e.delivered_versions', 'EXCLUDED.delivered_versions')}, "
    f"delivered_seqs = {_KEEP.format('e.delivered_seqs', 'EXCLUDED.delivered_seqs')}"
)


async def sweep(conn: asyncpg.Connection) -> None:
    """Now and then, forget sessions nobody has used for long (their rows go with them)."""
    if random.random() < SWEEP_PROBABILITY:
        await conn.execute(
            "DELETE FROM sync_sessions WHERE updated_at < now() - make_interval(days => $1)",
            RETENTION_DAYS,
        )

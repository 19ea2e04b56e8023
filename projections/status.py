"""How far each projection is behind the event log, and who is running it."""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from eventsourcing.persistence import StoredEvent

from events.store import EVENTS_TABLE, build_mapper
from projections.rebuild import SHADOW
from projections.runner import LEADER_LOCK_KEY


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int
    updated_at: datetime | None
    lag_seconds: float  # age of the oldest event not yet applied
    state: str  # live | rebuilding | stopped
    leader_pid: int | None

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "lag": self.lag,
            "updated_at": self.updated_at and self.updated_at.isoformat(),
        }


async def projection_status(conn: asyncpg.Connection, names: list[str]) -> list[ProjectionStatus]:
    """Status of the named projections; one that never ran is at position 0."""
    head = await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}")
    rows = await conn.fetch(
        "SELECT n.name, coalesce(t.position, 0) AS position, t.updated_at "
        "FROM unnest($1::text[]) AS n(name) LEFT JOIN projection_tracking t USING (name) "
        "ORDER BY n.name",
        names,
    )
    leader = await conn.fetchval(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid = 0 AND objid = $1 LIMIT 1",
        LEADER_LOCK_KEY,
    )
    rebuilding = await _rebuilding(conn)
    statuses = []
    for row in rows:
        state = "rebuilding" if row["name"] in rebuilding else "live" if leader else "stopped"
        lag_seconds = await _age_of_next(conn, row["position"]) if row["position"] < head else 0.0
        statuses.append(
            ProjectionStatus(
                row["name"], row["position"], head, row["updated_at"], lag_seconds, state, leader
            )
        )
    return statuses


async def _rebuilding(conn: asyncpg.Connection) -> set[str]:
    if not await conn.fetchval(
        "SELECT to_regclass($1) IS NOT NULL", f"{SHADOW}.projection_tracking"
    ):
        return set()
    return {r["name"] for r in await conn.fetch(f"SELECT name FROM {SHADOW}.projection_tracking")}


async def _age_of_next(conn: asyncpg.Connection, position: int) -> float:
    """Seconds since the first event the projection has not applied yet was recorded."""
    row = await conn.fetchrow(
        f"SELECT originator_id, originator_version, topic, state FROM {EVENTS_TABLE} "
        "WHERE notification_id > $1 ORDER BY notification_id LIMIT 1",
        position,
    )
    if row is None:
        return 0.0
    event = build_mapper().to_domain_event(StoredEvent(*row.values()))
    return max((datetime.now(UTC) - event.timestamp).total_seconds(), 0.0)

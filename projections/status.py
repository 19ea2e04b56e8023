"""How far each projection is behind the event log, and who is running it."""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import StoredEvent

from events.store import EVENTS_TABLE, build_mapper
from projections.replay import SHADOW
from projections.runner import LEADER_LOCK_KEY

STALLED_EVENTS = 1000  # this far behind, the read side is too stale to take traffic
STALLED_SECONDS = 60.0  # ... or the oldest event not applied is this old


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int
    updated_at: datetime | None
    lag_seconds: float  # age of the oldest event not yet applied
    state: str  # live | rebuilding | stopped
    leader_pid: int | None
    failures: int = 0  # events it failed on, ever
    quarantined: int = 0  # parked events no operator has resolved yet
    last_error: str | None = None

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)

    @property
    def problems(self) -> list[str]:
        """What is wrong, for health checks and `projections status` (empty: healthy)."""
        found = []
        if self.state == "stopped" and self.lag:
            found.append("no projection runner is running")
        if self.quarantined:
            found.append(f"{self.quarantined} event(s) quarantined: see `projections quarantine`")
        if self.lag > STALLED_EVENTS or self.lag_seconds > STALLED_SECONDS:
            found.append(f"stalled: {self.lag} events, {self.lag_seconds:.0f} s behind")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "lag": self.lag,
            "problems": self.problems,
            "updated_at": self.updated_at and self.updated_at.isoformat(),
        }


async def projection_status(
    conn: asyncpg.Connection | PoolConnectionProxy, names: list[str]
) -> list[ProjectionStatus]:
    """Status of the named projections; one that never ran is at position 0."""
    head = await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}")
    rows = await conn.fetch(
        "SELECT n.name, coalesce(t.position, 0) AS position, t.updated_at, "
        "coalesce(t.failures, 0) AS failures, t.last_error, "
        "(SELECT count(*) FROM projection_quarantine q "
        " WHERE q.projection = n.name AND q.resolution IS NULL) AS quarantined "
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
                row["name"],
                row["position"],
                head,
                row["updated_at"],
                lag_seconds,
                state,
                leader,
                row["failures"],
                row["quarantined"],
                row["last_error"],
            )
        )
    return statuses


async def _rebuilding(conn: asyncpg.Connection | PoolConnectionProxy) -> set[str]:
    if not await conn.fetchval(
        "SELECT to_regclass($1) IS NOT NULL", f"{SHADOW}.projection_tracking"
    ):
        return set()
    return {r["name"] for r in await conn.fetch(f"SELECT name FROM {SHADOW}.projection_tracking")}


async def _age_of_next(conn: asyncpg.Connection | PoolConnectionProxy, position: int) -> float:
    """Seconds since the first event the projection has not applied yet was recorded."""
    row = await conn.fetchrow(
        f"SELECT originator_id, originator_version, topic, state FROM {EVENTS_TABLE} "
        "WHERE notification_id > $1 ORDER BY notification_id LIMIT 1",
        position,
    )
    if row is None:
        return 0.0
    event = cast(DomainEvent, build_mapper().to_domain_event(StoredEvent(*row.values())))
    return max((datetime.now(UTC) - event.timestamp).total_seconds(), 0.0)


@dataclass(frozen=True)
class Quarantined:
    projection: str
    position: int
    topic: str
    error: str
    quarantined_at: datetime
    resolution: str | None


async def quarantined(conn: asyncpg.Connection, *, resolved: bool = False) -> list[Quarantined]:
    """Parked events, oldest first; with `resolved`, those already dealt with too."""
    rows = await conn.fetch(
        "SELECT projection, position, topic, error, quarantined_at, resolution "
        "FROM projection_quarantine WHERE $1 OR resolution IS NULL ORDER BY position, projection",
        resolved,
    )
    return [Quarantined(**dict(r)) for r in rows]


async def skip(conn: asyncpg.Connection, projection: str | None, position: int, reason: str) -> int:
    """Accept that a projection goes without this event (recorded with the reason)."""
    result = await conn.execute(
        "UPDATE projection_quarantine SET resolution = $3, resolved_at = now() "
        "WHERE position = $1 AND ($2::text IS NULL OR projection = $2) AND resolution IS NULL",
        position,
        projection,
        f"skipped: {reason}",
    )
    return int(result.split()[-1])

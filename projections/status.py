"""How far each projection is behind the event log."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from events.store import EVENTS_TABLE


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int
    updated_at: datetime | None

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


async def projection_status(conn: asyncpg.Connection, names: list[str]) -> list[ProjectionStatus]:
    """Status of the named projections; one that never ran is at position 0."""
    head = await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}")
    rows = await conn.fetch(
        "SELECT n.name, coalesce(t.position, 0) AS position, t.updated_at "
        "FROM unnest($1::text[]) AS n(name) LEFT JOIN projection_tracking t USING (name) "
        "ORDER BY n.name",
        names,
    )
    return [ProjectionStatus(r["name"], r["position"], head, r["updated_at"]) for r in rows]

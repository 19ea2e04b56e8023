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


async def projection_status(conn: asyncpg.Connection) -> list[ProjectionStatus]:
    head = await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}")
    rows = await conn.fetch(
        "SELECT name, position, updated_at FROM projection_tracking ORDER BY name"
    )
    return [ProjectionStatus(r["name"], r["position"], head, r["updated_at"]) for r in rows]

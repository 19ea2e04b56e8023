"""`vitaltrack seed` says exactly what it wrote and which accounts to look at."""

import re

from asyncpg import Connection

from infra.database import Database
from tests.integration.commandline import vitaltrack


async def test_seed_prints_its_accounts_and_the_events_it_stored(
    database: Database, pg_conn: Connection
) -> None:
    result = vitaltrack(database, "seed", "--owners", "3", "--events", "900")
    assert result.returncode == 0, result.stderr
    *emails, summary = result.stdout.splitlines()
    assert len(emails) == 3
    stored = await pg_conn.fetchval("SELECT count(*) FROM vitaltrack_events")
    match = re.match(r"seeded 3 households with (\d+) events", summary)
    assert match and int(match.group(1)) == stored
    assert abs(stored - 900) < 150  # "about": the last household finishes its step
    for email in emails:
        history = vitaltrack(database, "audit", "replay", "--owner", email)
        assert history.returncode == 0 and "item.StockAdjusted" in history.stdout

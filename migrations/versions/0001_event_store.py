"""Event store: the eventsourcing library's own tables, types and functions.

Revision ID: 0001
Revises:
"""

from alembic import op
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
)

from events.store import EVENTS_TABLE, SNAPSHOTS_TABLE

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _create_statements() -> list[str]:
    """The recorders' own CREATE statements, so the schema is exactly what the library expects."""
    url = op.get_bind().engine.url
    query_host = url.query.get("host")
    datastore = PostgresDatastore(
        dbname=url.database or "postgres",
        host=(query_host[0] if isinstance(query_host, tuple) else query_host) or url.host or "",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password or "",
    )
    try:
        recorders = [
            PostgresApplicationRecorder(datastore, events_table_name=EVENTS_TABLE),
            PostgresAggregateRecorder(datastore, events_table_name=SNAPSHOTS_TABLE),
        ]
        statements = [s.as_string() for r in recorders for s in r.sql_create_statements]
    finally:
        datastore.close()
    # Both recorders declare the same composite type; it goes first, once.
    unique = list(dict.fromkeys(statements))
    return sorted(unique, key=lambda s: "CREATE TYPE" not in s)


def upgrade() -> None:
    for statement in _create_statements():
        op.execute(statement.replace("%", "%%"))


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS es_insert_events_uuid")
    op.execute(f"DROP TABLE IF EXISTS {SNAPSHOTS_TABLE}")
    op.execute(f"DROP TABLE IF EXISTS {EVENTS_TABLE}")
    op.execute("DROP TYPE IF EXISTS stored_event_uuid")

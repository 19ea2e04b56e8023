"""Alembic owns every table, and its migrations run both ways."""

import psycopg

import migrations
from devkit.postgres import scratch_database
from infra.database import Database


def tables(database: Database) -> set[str]:
    with psycopg.connect(database.asyncpg_dsn) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r[0] for r in rows} - {"alembic_version"}


def test_upgrade_downgrade_upgrade_round_trip(pg_server: Database) -> None:
    with scratch_database(pg_server) as database:
        migrations.upgrade(database)
        created = tables(database)
        migrations.downgrade(database, "base")
        assert tables(database) == set()
        migrations.upgrade(database)
        assert tables(database) == created
    assert {"vitaltrack_events", "vitaltrack_snapshots", "projection_tracking"} <= created
    assert {"users", "categories", "auth_credentials", "auth_sessions"} <= created


def test_the_event_store_has_the_librarys_schema(migrated_database: Database) -> None:
    with psycopg.connect(migrated_database.asyncpg_dsn) as conn:
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'vitaltrack_events' ORDER BY ordinal_position"
        ).fetchall()
    assert [c[0] for c in columns] == [
        "originator_id",
        "originator_version",
        "topic",
        "state",
        "notification_id",
    ]

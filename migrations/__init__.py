"""Alembic migrations: every table the system uses is created here."""

from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from infra.database import Database

SCRIPT_LOCATION = Path(__file__).parent


class NotMigrated(Exception):
    """The database's schema is not the one this version of vitaltrack works with."""


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["url"] = database.sqlalchemy_url
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(database), revision)


def downgrade(database: Database, revision: str) -> None:
    command.downgrade(alembic_config(database), revision)


def require_current(database: Database) -> None:
    """Raise NotMigrated (saying what to do) unless the schema is at this version's head:
    the commands that do not migrate would otherwise fail on a missing table halfway."""
    current = None
    with psycopg.connect(database.asyncpg_dsn) as conn:
        if conn.execute("SELECT to_regclass('public.alembic_version')").fetchone() != (None,):
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            current = row[0] if row else None
    script = ScriptDirectory.from_config(alembic_config(database))
    head = script.get_current_head()
    if current == head:
        return
    if current is None:
        raise NotMigrated("the database has no schema yet; run `vitaltrack migrate`")
    if current in {r.revision for r in script.walk_revisions()}:
        raise NotMigrated(
            f"the database schema is at revision {current}, this version needs {head}; "
            "run `vitaltrack migrate`"
        )
    raise NotMigrated(
        f"the database schema is at revision {current}, which this version does not know "
        "(a newer vitaltrack migrated it); run that version"
    )

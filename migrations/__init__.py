"""Alembic migrations: every table the system uses is created here."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from infra.database import Database

SCRIPT_LOCATION = Path(__file__).parent


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["url"] = database.sqlalchemy_url
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(database), revision)


def downgrade(database: Database, revision: str) -> None:
    command.downgrade(alembic_config(database), revision)

"""Alembic environment: runs migrations online against the URL the caller passes."""

from alembic import context
from sqlalchemy import create_engine, pool, text

# Several API replicas migrate on start; a session lock makes them take turns.
MIGRATION_LOCK_KEY = 0x56_54_4D_47  # "VTMG"

url = context.config.attributes["url"]
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    connection.commit()
    try:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
engine.dispose()

"""Documents that are stored and returned but never queried inside become json, not jsonb:
jsonb parses and re-encodes every document on insert, which dominated replays.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (
    ("owner_feed", "data"),
    ("feed_state", "row"),
    ("activity_log", "change"),
    ("activity_subjects", "fields"),
)


def upgrade() -> None:
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE json USING {column}::json")


def downgrade() -> None:
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE jsonb USING {column}::jsonb")

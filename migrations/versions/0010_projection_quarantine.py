"""Projections that cannot apply an event park it here instead of stopping (API.md 1.7 is
the first defence; this is the second), and tracking counts failures.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE projection_quarantine (
            projection text NOT NULL,
            position bigint NOT NULL,
            topic text NOT NULL,
            error text NOT NULL,
            quarantined_at timestamptz NOT NULL DEFAULT now(),
            resolution text,
            resolved_at timestamptz,
            PRIMARY KEY (projection, position)
        )
        """
    )
    op.execute("ALTER TABLE projection_tracking ADD COLUMN failures bigint NOT NULL DEFAULT 0")
    op.execute("ALTER TABLE projection_tracking ADD COLUMN last_error text")


def downgrade() -> None:
    op.execute("ALTER TABLE projection_tracking DROP COLUMN last_error")
    op.execute("ALTER TABLE projection_tracking DROP COLUMN failures")
    op.execute("DROP TABLE projection_quarantine")

"""Projection tracking and the first read tables: users and categories.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE projection_tracking (
            name text PRIMARY KEY,
            position bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE users (
            id uuid PRIMARY KEY,
            email text,
            username text,
            name text NOT NULL,
            phone text,
            is_active boolean NOT NULL,
            is_verified boolean NOT NULL,
            is_email_verified boolean NOT NULL,
            last_login timestamptz,
            version bigint NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE categories (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL,
            local_id text,
            name text NOT NULL,
            description text,
            display_order integer NOT NULL,
            is_default boolean NOT NULL,
            version bigint NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        "CREATE INDEX categories_owner_order_idx ON categories (owner_id, display_order, name)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE categories")
    op.execute("DROP TABLE users")
    op.execute("DROP TABLE projection_tracking")

"""Sync: the per-owner feed, local-id mapping, operation dedup and per-session known versions.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE owner_feed (
            owner_id uuid NOT NULL,
            position bigint NOT NULL,
            entity text NOT NULL,
            entity_id uuid NOT NULL,
            version bigint NOT NULL,
            type text NOT NULL,
            data jsonb,
            occurred_at timestamptz NOT NULL,
            PRIMARY KEY (owner_id, position)
        )
        """
    )
    op.execute("CREATE INDEX owner_feed_time_idx ON owner_feed (owner_id, occurred_at)")
    # The feed projection's own fold state: each entity's row as of its last event.
    op.execute("CREATE TABLE feed_state (entity_id uuid PRIMARY KEY, row jsonb NOT NULL)")
    # Write-side sync bookkeeping (not read tables), written in the operations' transactions.
    op.execute(
        """
        CREATE TABLE sync_local_ids (
            owner_id uuid NOT NULL,
            entity text NOT NULL,
            local_id text NOT NULL,
            entity_id uuid NOT NULL,
            PRIMARY KEY (owner_id, entity, local_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE sync_operations (
            owner_id uuid NOT NULL,
            operation_id text NOT NULL,
            entity_id uuid NOT NULL,
            server_version bigint NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (owner_id, operation_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE sync_known_versions (
            session_id uuid NOT NULL,
            entity_id uuid NOT NULL,
            entity text NOT NULL,
            version bigint NOT NULL,
            PRIMARY KEY (session_id, entity_id)
        )
        """
    )
    op.execute(
        "CREATE INDEX sync_known_versions_entity_idx ON sync_known_versions (session_id, entity)"
    )


def downgrade() -> None:
    for table in (
        "sync_known_versions",
        "sync_operations",
        "sync_local_ids",
        "feed_state",
        "owner_feed",
    ):
        op.execute(f"DROP TABLE {table}")

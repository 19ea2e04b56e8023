"""Sync bookkeeping that proves what a device holds (API.md 8.5 rev. 2).

`sync_sessions` and `sync_session_entities` replace `sync_known_versions`: deliveries count
only once proven, and what a device sent is kept as its base. Every operation's first
outcome is kept, whatever it was.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TABLE sync_known_versions")
    op.execute(
        """
        CREATE TABLE sync_sessions (
            session_id uuid PRIMARY KEY,
            owner_id uuid NOT NULL,
            seq integer NOT NULL DEFAULT 0,
            bootstrap_seq integer NOT NULL DEFAULT 0,
            proven_seq integer NOT NULL DEFAULT 0,
            cursor_seq integer,
            cursor_position bigint,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX sync_sessions_updated_idx ON sync_sessions (updated_at)")
    op.execute(
        """
        CREATE TABLE sync_session_entities (
            session_id uuid NOT NULL REFERENCES sync_sessions ON DELETE CASCADE,
            entity_id uuid NOT NULL,
            entity text NOT NULL,
            delivered_version bigint,
            delivered_seq integer,
            base json,
            base_version bigint,
            base_seq integer,
            base_proven boolean NOT NULL DEFAULT false,
            PRIMARY KEY (session_id, entity_id)
        )
        """
    )
    op.execute("ALTER TABLE sync_operations ADD COLUMN status text NOT NULL DEFAULT 'applied'")
    op.execute("ALTER TABLE sync_operations ALTER COLUMN status DROP DEFAULT")
    op.execute("ALTER TABLE sync_operations ADD COLUMN error jsonb")
    op.execute("ALTER TABLE sync_operations ALTER COLUMN entity_id DROP NOT NULL")
    op.execute("ALTER TABLE sync_operations ALTER COLUMN server_version DROP NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM sync_operations WHERE entity_id IS NULL OR server_version IS NULL")
    op.execute("ALTER TABLE sync_operations ALTER COLUMN server_version SET NOT NULL")
    op.execute("ALTER TABLE sync_operations ALTER COLUMN entity_id SET NOT NULL")
    op.execute("ALTER TABLE sync_operations DROP COLUMN error")
    op.execute("ALTER TABLE sync_operations DROP COLUMN status")
    op.execute("DROP TABLE sync_session_entities")
    op.execute("DROP TABLE sync_sessions")
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

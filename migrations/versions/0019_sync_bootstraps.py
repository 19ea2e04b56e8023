"""A bootstrap pull's delivery record as one row, not one row per entity.

A bootstrap delivers the whole household as it is at one log position. Its record was one
`sync_session_entities` upsert per entity (500 for a household of 500 items): most of
PostgreSQL's work in a phone's first pull. `sync_bootstraps` keeps it as one row per
session: the pull's sequence number and, side by side, the kind, id and version of every
entity it delivered (compressed together by TOAST). A push reads it with the session's
other rows (command/sync/session.py); a newer bootstrap replaces it, as it voids every
earlier delivery. The per-entity rows keep later pulls' deliveries and what pushes sent;
rows that earlier bootstraps wrote stay valid as they are.

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE sync_bootstraps (
            session_id uuid PRIMARY KEY REFERENCES sync_sessions ON DELETE CASCADE,
            seq integer NOT NULL,
            kinds text[] NOT NULL,
            ids uuid[] NOT NULL,
            versions bigint[] NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute(
        """
        INSERT INTO sync_session_entities AS e
            (session_id, entity_id, entity, delivered_versions, delivered_seqs)
        SELECT b.session_id, t.id, t.kind, ARRAY[t.version], ARRAY[b.seq]
        FROM sync_bootstraps b, unnest(b.kinds, b.ids, b.versions) AS t(kind, id, version)
        ON CONFLICT (session_id, entity_id) DO UPDATE SET
            delivered_versions = (EXCLUDED.delivered_versions || e.delivered_versions)
                [greatest(1, cardinality(e.delivered_versions) - 6):],
            delivered_seqs = (EXCLUDED.delivered_seqs || e.delivered_seqs)
                [greatest(1, cardinality(e.delivered_seqs) - 6):]
        """  # first: a row's other deliveries are this bootstrap's later pulls (or void)
    )
    op.execute("DROP TABLE sync_bootstraps")

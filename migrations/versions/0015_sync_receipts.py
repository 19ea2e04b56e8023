"""A session's recent pulls, so a later request can prove it received one of them.

A pull answer carries `serverTime` and `nextCursor`; a client that sends one of them back
(`lastSyncAt` = the serverTime it got, or `cursor` = the nextCursor) proves that answer
arrived. `sync_sessions` kept only the last pull's cursor; it now keeps the last eight pulls
(sequence number, serverTime, next cursor position): bounded, never growing with pulls.
`sync_prove_receipt` is the one place that matches a request's tokens against them; the pull
(asyncpg) and the push (psycopg) both call it.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE sync_sessions
            ADD COLUMN pull_seqs integer[] NOT NULL DEFAULT '{}',
            ADD COLUMN pull_times timestamptz[] NOT NULL DEFAULT '{}',
            ADD COLUMN pull_positions bigint[] NOT NULL DEFAULT '{}'
        """
    )
    op.execute(
        """
        UPDATE sync_sessions SET pull_seqs = ARRAY[cursor_seq], pull_times = ARRAY[updated_at],
            pull_positions = ARRAY[cursor_position]
        WHERE cursor_seq IS NOT NULL AND cursor_position IS NOT NULL
        """
    )
    op.execute("ALTER TABLE sync_sessions DROP COLUMN cursor_seq, DROP COLUMN cursor_position")
    op.execute(
        """
        CREATE FUNCTION sync_prove_receipt(session uuid, sent_time timestamptz, sent_position bigint)
        RETURNS integer LANGUAGE sql AS $$
            UPDATE sync_sessions s SET proven_seq = greatest(s.proven_seq, coalesce((
                SELECT max(p.seq) FROM unnest(s.pull_seqs, s.pull_times, s.pull_positions)
                    AS p(seq, at, position)
                WHERE p.at = sent_time OR p.position = sent_position), 0))
            WHERE s.session_id = session
            RETURNING s.proven_seq
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION sync_prove_receipt(uuid, timestamptz, bigint)")
    op.execute(
        "ALTER TABLE sync_sessions ADD COLUMN cursor_seq integer, ADD COLUMN cursor_position bigint"
    )
    op.execute(
        "UPDATE sync_sessions SET cursor_seq = pull_seqs[cardinality(pull_seqs)], "
        "cursor_position = pull_positions[cardinality(pull_positions)]"
    )
    op.execute(
        "ALTER TABLE sync_sessions DROP COLUMN pull_seqs, DROP COLUMN pull_times, "
        "DROP COLUMN pull_positions"
    )

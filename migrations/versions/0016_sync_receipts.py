"""What a session knows of the answers its pulls got: which arrived, which were lost.

A pull answer carries `serverTime` and `nextCursor`; a request that sends one of them back
(`lastSyncAt` = a serverTime it got, `cursor` = a nextCursor) proves that answer arrived,
and — since a client sends back the token of the latest answer it received — that every
later pull's answer was lost. `sync_sessions` kept only the last pull's cursor; it now keeps
the last eight pulls: sequence number, serverTime, next cursor position and whether it is
known to be lost (bounded, never growing with pulls). `sync_prove_receipt` is the one place
that matches a request's tokens against them; the pull (asyncpg) and the push (psycopg) both
call it.

`sync_session_entities` keeps an entity's last eight deliveries (version and pull) instead
of only the latest: when the latest answers are lost, the device still holds an earlier one.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE sync_sessions
            ADD COLUMN pull_seqs integer[] NOT NULL DEFAULT '{}',
            ADD COLUMN pull_times timestamptz[] NOT NULL DEFAULT '{}',
            ADD COLUMN pull_positions bigint[] NOT NULL DEFAULT '{}',
            ADD COLUMN pull_lost boolean[] NOT NULL DEFAULT '{}'
        """
    )
    op.execute(
        """
        UPDATE sync_sessions SET pull_seqs = ARRAY[cursor_seq], pull_times = ARRAY[updated_at],
            pull_positions = ARRAY[cursor_position], pull_lost = ARRAY[false]
        WHERE cursor_seq IS NOT NULL AND cursor_position IS NOT NULL
        """
    )
    op.execute("ALTER TABLE sync_sessions DROP COLUMN cursor_seq, DROP COLUMN cursor_position")
    op.execute(
        """
        ALTER TABLE sync_session_entities
            ADD COLUMN delivered_versions bigint[] NOT NULL DEFAULT '{}',
            ADD COLUMN delivered_seqs integer[] NOT NULL DEFAULT '{}'
        """
    )
    op.execute(
        "UPDATE sync_session_entities SET delivered_versions = ARRAY[delivered_version], "
        "delivered_seqs = ARRAY[delivered_seq] WHERE delivered_version IS NOT NULL"
    )
    op.execute(
        "ALTER TABLE sync_session_entities DROP COLUMN delivered_version, DROP COLUMN delivered_seq"
    )
    op.execute(
        """
        CREATE FUNCTION sync_prove_receipt(session uuid, sent_time timestamptz, sent_position bigint)
        RETURNS void LANGUAGE sql AS $$
            WITH named AS (
                SELECT max(p.seq) AS seq
                FROM sync_sessions s,
                    unnest(s.pull_seqs, s.pull_times, s.pull_positions) AS p(seq, at, position)
                WHERE s.session_id = session AND (p.at = sent_time OR p.position = sent_position)
            )
            UPDATE sync_sessions s SET
                proven_seq = greatest(s.proven_seq, named.seq),
                pull_lost = ARRAY(
                    SELECT CASE WHEN p.seq = named.seq THEN false
                        WHEN p.seq > named.seq THEN true ELSE p.lost END
                    FROM unnest(s.pull_seqs, s.pull_lost) WITH ORDINALITY AS p(seq, lost, n)
                    ORDER BY p.n)
            FROM named
            WHERE s.session_id = session AND named.seq IS NOT NULL
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION sync_prove_receipt(uuid, timestamptz, bigint)")
    op.execute(
        "ALTER TABLE sync_session_entities ADD COLUMN delivered_version bigint, "
        "ADD COLUMN delivered_seq integer"
    )
    op.execute(
        "UPDATE sync_session_entities SET "
        "delivered_version = delivered_versions[cardinality(delivered_versions)], "
        "delivered_seq = delivered_seqs[cardinality(delivered_seqs)]"
    )
    op.execute(
        "ALTER TABLE sync_session_entities DROP COLUMN delivered_versions, "
        "DROP COLUMN delivered_seqs"
    )
    op.execute(
        "ALTER TABLE sync_sessions ADD COLUMN cursor_seq integer, ADD COLUMN cursor_position bigint"
    )
    op.execute(
        "UPDATE sync_sessions SET cursor_seq = pull_seqs[cardinality(pull_seqs)], "
        "cursor_position = pull_positions[cardinality(pull_positions)]"
    )
    op.execute(
        "ALTER TABLE sync_sessions DROP COLUMN pull_seqs, DROP COLUMN pull_times, "
        "DROP COLUMN pull_positions, DROP COLUMN pull_lost"
    )

"""One-time tokens, the email outbox, and shared rate-limit state.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE auth_one_time_tokens (
            token_hash bytea PRIMARY KEY,
            user_id uuid NOT NULL,
            purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
            email text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            used_at timestamptz
        )
        """
    )
    op.execute(
        "CREATE INDEX auth_one_time_tokens_user_idx ON auth_one_time_tokens (user_id, purpose)"
    )
    # Consumed in the same transaction as the event it enables: if another request used
    # the token first, this raises and the whole transaction (events included) rolls back.
    op.execute(
        """
        CREATE FUNCTION consume_one_time_token(p_hash bytea, p_purpose text) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE auth_one_time_tokens SET used_at = now()
            WHERE token_hash = p_hash AND purpose = p_purpose
              AND used_at IS NULL AND expires_at > now();
            IF NOT FOUND THEN
                RAISE EXCEPTION 'one-time token is invalid, used or expired'
                    USING ERRCODE = 'VT001';
            END IF;
        END $$
        """
    )
    op.execute(
        """
        CREATE TABLE email_outbox (
            id bigserial PRIMARY KEY,
            recipient text NOT NULL,
            subject text NOT NULL,
            body text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            sent_at timestamptz,
            last_error text
        )
        """
    )
    op.execute(
        "CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE sent_at IS NULL"
    )
    op.execute(
        """
        CREATE TABLE rate_limit_hits (
            bucket text NOT NULL,
            hit_at timestamptz NOT NULL DEFAULT clock_timestamp()
        )
        """
    )
    op.execute("CREATE INDEX rate_limit_hits_bucket_idx ON rate_limit_hits (bucket, hit_at)")


def downgrade() -> None:
    op.execute("DROP TABLE rate_limit_hits")
    op.execute("DROP TABLE email_outbox")
    op.execute("DROP FUNCTION consume_one_time_token(bytea, text)")
    op.execute("DROP TABLE auth_one_time_tokens")

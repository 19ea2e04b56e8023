"""Account security (issue 27): a pending email change and the daily-digest choice on the
`users` read table; the one-time token that undoes an email change; outbox rows that name
the account they were queued for (erasure finds mail to every address it ever had) and the
kind of mail (per-account mail caps count them).

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PURPOSES = "'verify_email', 'reset_password', 'delete_account'"


def upgrade() -> None:
    op.execute("ALTER TABLE users ADD COLUMN pending_email text")
    op.execute("ALTER TABLE users ADD COLUMN daily_digest boolean NOT NULL DEFAULT true")
    _purposes(PURPOSES + ", 'undo_email_change'")
    op.execute("ALTER TABLE email_outbox ADD COLUMN account_id uuid")
    op.execute("ALTER TABLE email_outbox ADD COLUMN kind text")
    op.execute(
        "CREATE INDEX email_outbox_account_idx ON email_outbox (account_id, kind, created_at)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX email_outbox_account_idx")
    op.execute("ALTER TABLE email_outbox DROP COLUMN kind")
    op.execute("ALTER TABLE email_outbox DROP COLUMN account_id")
    op.execute("DELETE FROM auth_one_time_tokens WHERE purpose = 'undo_email_change'")
    _purposes(PURPOSES)
    op.execute("ALTER TABLE users DROP COLUMN daily_digest")
    op.execute("ALTER TABLE users DROP COLUMN pending_email")


def _purposes(allowed: str) -> None:
    op.execute(
        "ALTER TABLE auth_one_time_tokens DROP CONSTRAINT auth_one_time_tokens_purpose_check"
    )
    op.execute(
        "ALTER TABLE auth_one_time_tokens ADD CONSTRAINT auth_one_time_tokens_purpose_check "
        f"CHECK (purpose IN ({allowed}))"
    )

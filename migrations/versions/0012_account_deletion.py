"""Account deletion (API.md 3.1): a one-time token purpose for the mailed confirmation link.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE auth_one_time_tokens DROP CONSTRAINT auth_one_time_tokens_purpose_check"
    )
    op.execute(
        "ALTER TABLE auth_one_time_tokens ADD CONSTRAINT auth_one_time_tokens_purpose_check "
        "CHECK (purpose IN ('verify_email', 'reset_password', 'delete_account'))"
    )


def downgrade() -> None:
    op.execute("DELETE FROM auth_one_time_tokens WHERE purpose = 'delete_account'")
    op.execute(
        "ALTER TABLE auth_one_time_tokens DROP CONSTRAINT auth_one_time_tokens_purpose_check"
    )
    op.execute(
        "ALTER TABLE auth_one_time_tokens ADD CONSTRAINT auth_one_time_tokens_purpose_check "
        "CHECK (purpose IN ('verify_email', 'reset_password'))"
    )

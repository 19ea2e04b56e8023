"""Auth state: password hashes, sessions (refresh-token families) and refresh tokens.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE auth_credentials (
            user_id uuid PRIMARY KEY,
            password_hash text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE auth_sessions (
            id uuid PRIMARY KEY,
            user_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id)")
    op.execute(
        """
        CREATE TABLE auth_refresh_tokens (
            token_hash bytea PRIMARY KEY,
            session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
            issued_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            rotated_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX auth_refresh_tokens_session_idx ON auth_refresh_tokens (session_id)")


def downgrade() -> None:
    op.execute("DROP TABLE auth_refresh_tokens")
    op.execute("DROP TABLE auth_sessions")
    op.execute("DROP TABLE auth_credentials")

"""Every API process hears at once when a session is revoked (logout, password change or
reset, refresh-token reuse, account deletion), so its access tokens stop working everywhere.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION vitaltrack_session_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('vitaltrack_revoked', NEW.id::text);
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER session_revoked AFTER UPDATE OF revoked_at ON auth_sessions "
        "FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL) "
        "EXECUTE FUNCTION vitaltrack_session_revoked()"
    )
    op.execute("CREATE INDEX auth_sessions_revoked_idx ON auth_sessions (revoked_at)")


def downgrade() -> None:
    op.execute("DROP INDEX auth_sessions_revoked_idx")
    op.execute("DROP TRIGGER session_revoked ON auth_sessions")
    op.execute("DROP FUNCTION vitaltrack_session_revoked()")

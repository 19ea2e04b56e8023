"""Room on each page of `sync_session_entities` for the next version of its rows.

Every pull rewrites the delivery rows of what it returned (a bootstrap: the whole household),
and none of the columns it changes is indexed: with free room on the page, PostgreSQL writes
the new version beside the old one (a HOT update) and touches no index.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE sync_session_entities SET (fillfactor = 50)")


def downgrade() -> None:
    op.execute("ALTER TABLE sync_session_entities RESET (fillfactor)")

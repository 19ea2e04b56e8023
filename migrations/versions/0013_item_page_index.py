"""The item page walks its name index even before the table is analyzed.

With no statistics yet (a household written in the last minute, before autovacuum has run)
the planner takes every owner for one row and chose the narrower (owner_id, category_id)
index, then sorted the whole household for each page: twice the database's time. Category
lookups need no owner prefix (category ids are unique), so that index becomes
(category_id) and the owner's only index in page order is the one the pages use.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX items_owner_category_idx")
    op.execute("CREATE INDEX items_category_idx ON items (category_id)")


def downgrade() -> None:
    op.execute("DROP INDEX items_category_idx")
    op.execute("CREATE INDEX items_owner_category_idx ON items (owner_id, category_id)")

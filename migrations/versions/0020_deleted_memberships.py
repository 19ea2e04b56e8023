"""A deleted item keeps its `item_memberships` row, marked deleted, while its category lives.

Seed data a phone pushes after a failed first pull is matched to the household's items by
name (API.md 8.5 d). With only live items to match, a seed row whose item the family had
deleted created it anew, and a device's later edit of the deleted one revived it beside the
new one: the same supply twice. The write side now finds the deleted item too (the seed row
then changes it only by its own stock change). Closing a category drops its deleted rows in
the same statement; items deleted before this revision are not listed.

Revision ID: 0020
Revises: 0019
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE item_memberships ADD COLUMN deleted boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("DELETE FROM item_memberships WHERE deleted")
    op.execute("ALTER TABLE item_memberships DROP COLUMN deleted")

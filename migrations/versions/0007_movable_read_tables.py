"""Make read tables self-contained, so a rebuild can swap in fresh copies.

activity_log.id becomes the event's log position (one entry per event; no sequence owned
by the table), and order lines are removed by the orders projection instead of a
foreign-key cascade.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE activity_log SET id = position")
    op.execute("ALTER TABLE activity_log ALTER COLUMN id DROP DEFAULT")
    op.execute("DROP SEQUENCE IF EXISTS activity_log_id_seq")
    op.execute("ALTER TABLE activity_log DROP COLUMN position")  # drops activity_entity_idx
    op.execute("CREATE INDEX activity_entity_idx ON activity_log (entity_id, id)")
    op.execute("ALTER TABLE order_lines DROP CONSTRAINT IF EXISTS order_lines_order_id_fkey")


def downgrade() -> None:
    op.execute("DROP INDEX activity_entity_idx")
    op.execute("ALTER TABLE activity_log ADD COLUMN position bigint")
    op.execute("UPDATE activity_log SET position = id")
    op.execute("ALTER TABLE activity_log ALTER COLUMN position SET NOT NULL")
    op.execute("CREATE INDEX activity_entity_idx ON activity_log (entity_id, position)")
    op.execute("CREATE SEQUENCE activity_log_id_seq OWNED BY activity_log.id")
    op.execute(
        "SELECT setval('activity_log_id_seq', coalesce((SELECT max(id) FROM activity_log), 0) + 1, false)"
    )
    op.execute(
        "ALTER TABLE activity_log ALTER COLUMN id SET DEFAULT nextval('activity_log_id_seq')"
    )
    op.execute(
        "ALTER TABLE order_lines ADD CONSTRAINT order_lines_order_id_fkey "
        "FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE"
    )

"""Supply planning (API.md 13): item lead times, usage learned from stock events, the digest.

- `items.lead_time_days`: an item's own lead time (NULL: the household's). The feed's folded
  item rows gain the key, so the next change to an item renders it like a fresh one.
- `usage_items`: per item, the stock used on each of the household's last 28 days (`recent`,
  newest first, `recent[1]` being `day`), and their sum; written by the `usage` projection,
  so a forecast reads one row per item, whatever the length of the history.
- `usage_zones`: each household's time zone as its events set it, which decides the day a
  use belongs to (the `usage` projection's own memory: it reads no other projection).
- `daily_digests`: one row per member, household and local day a digest was considered
  for, written in the transaction of the mail it queued (if any): its primary key is what
  makes the digest go out once, whichever process or run gets there first.
- `email_outbox.html`: an HTML alternative to a mail's plain text (the digest's).

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE items ADD COLUMN lead_time_days integer")
    op.execute(
        "UPDATE feed_state SET row = (row::jsonb || '{\"lead_time_days\": null}')::json "
        "WHERE row::jsonb ? 'unit' AND NOT row::jsonb ? 'lead_time_days'"
    )
    op.execute(
        """
        CREATE TABLE usage_items (
            item_id uuid PRIMARY KEY,
            owner_id uuid NOT NULL,
            day date NOT NULL,
            recent bigint[] NOT NULL,
            total bigint NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX usage_items_owner_idx ON usage_items (owner_id)")
    op.execute("CREATE TABLE usage_zones (owner_id uuid PRIMARY KEY, time_zone text NOT NULL)")
    op.execute(
        """
        CREATE TABLE daily_digests (
            household_id uuid NOT NULL,
            user_id uuid NOT NULL,
            local_day date NOT NULL,
            reported integer NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (household_id, user_id, local_day)
        )
        """
    )
    op.execute("CREATE INDEX daily_digests_user_idx ON daily_digests (user_id)")
    op.execute("ALTER TABLE email_outbox ADD COLUMN html text")


def downgrade() -> None:
    op.execute("ALTER TABLE email_outbox DROP COLUMN html")
    op.execute("DROP TABLE daily_digests")
    op.execute("DROP TABLE usage_zones")
    op.execute("DROP TABLE usage_items")
    op.execute(
        "UPDATE feed_state SET row = (row::jsonb - 'lead_time_days')::json "
        "WHERE row::jsonb ? 'unit'"
    )
    op.execute("ALTER TABLE items DROP COLUMN lead_time_days")

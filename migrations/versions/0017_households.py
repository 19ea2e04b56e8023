"""Households (API.md 12): several accounts share one inventory, each with a role.

A household's id is its founder's user id, so every existing row (read tables, feed, sync
sessions, idempotency records) already names the right household: nothing is rewritten.
What is new is who belongs to which household, written by the command side in the
transaction of the Household events it mirrors (like credentials and sessions), so a
membership change is in force the moment it commits:
- `households`: name and planning settings, with the aggregate's version;
- `household_members`: user, role, when it joined; a trigger NOTIFYs every change, so each
  API process drops what it cached (a removed caregiver's next request is refused);
- `household_defaults`: the household an account signs in to, when it chose one;
- `household_invitations`: open invitations, each with the hash of its emailed token;
- `auth_sessions.household_id`: the household a session was bound to when it signed in;
- `activity_log.actor_id`: who caused each entry.
Every existing account becomes the owner of its household.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE households (
            id uuid PRIMARY KEY,
            name text NOT NULL,
            time_zone text NOT NULL DEFAULT 'UTC',
            lead_time_days integer NOT NULL DEFAULT 3,
            cover_days integer NOT NULL DEFAULT 30,
            version bigint NOT NULL DEFAULT 1,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE household_members (
            household_id uuid NOT NULL REFERENCES households ON DELETE CASCADE,
            user_id uuid NOT NULL,
            role text NOT NULL CHECK (role IN ('owner', 'caregiver', 'viewer')),
            joined_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (household_id, user_id)
        )
        """
    )
    op.execute(
        "CREATE INDEX household_members_user_idx ON household_members (user_id, joined_at DESC)"
    )
    op.execute(
        "CREATE TABLE household_defaults (user_id uuid PRIMARY KEY, household_id uuid NOT NULL)"
    )
    op.execute(
        """
        CREATE TABLE household_invitations (
            id uuid PRIMARY KEY,
            household_id uuid NOT NULL REFERENCES households ON DELETE CASCADE,
            email text NOT NULL,
            role text NOT NULL CHECK (role IN ('caregiver', 'viewer')),
            invited_by uuid NOT NULL,
            token_hash bytea NOT NULL UNIQUE,
            expires_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("ALTER TABLE auth_sessions ADD COLUMN household_id uuid")
    op.execute("ALTER TABLE activity_log ADD COLUMN actor_id uuid")
    op.execute(
        """
        CREATE FUNCTION notify_membership() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE changed household_members;
        BEGIN
            changed := coalesce(NEW, OLD);
            PERFORM pg_notify('vitaltrack_membership',
                changed.household_id::text || ':' || changed.user_id::text);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER household_members_notify AFTER INSERT OR UPDATE OR DELETE "
        "ON household_members FOR EACH ROW EXECUTE FUNCTION notify_membership()"
    )
    op.execute(
        """
        INSERT INTO households (id, name, created_at)
        SELECT c.user_id, coalesce(u.name, 'Home') || '''s household',
            coalesce(u.created_at, c.updated_at)
        FROM auth_credentials c LEFT JOIN users u ON u.id = c.user_id
        ON CONFLICT DO NOTHING
        """
    )
    op.execute(
        """
        INSERT INTO household_members (household_id, user_id, role, joined_at)
        SELECT id, id, 'owner', created_at FROM households ON CONFLICT DO NOTHING
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER household_members_notify ON household_members")
    op.execute("DROP FUNCTION notify_membership()")
    op.execute("ALTER TABLE activity_log DROP COLUMN actor_id")
    op.execute("ALTER TABLE auth_sessions DROP COLUMN household_id")
    op.execute("DROP TABLE household_invitations")
    op.execute("DROP TABLE household_defaults")
    op.execute("DROP TABLE household_members")
    op.execute("DROP TABLE households")

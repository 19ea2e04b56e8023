"""Inventory: items, orders, stats and activity read tables; membership guard; idempotency.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE items (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL,
            category_id uuid NOT NULL,
            local_id text,
            name text NOT NULL,
            description text,
            quantity integer NOT NULL,
            unit text NOT NULL,
            minimum_stock integer NOT NULL,
            expiry_date date,
            brand text,
            notes text,
            supplier_name text,
            supplier_contact text,
            purchase_link text,
            image_uri text,
            is_active boolean NOT NULL,
            is_critical boolean NOT NULL,
            version bigint NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            stock_status text GENERATED ALWAYS AS (
                CASE WHEN quantity <= 0 THEN 'out'
                     WHEN quantity < minimum_stock THEN 'low'
                     ELSE 'ok' END
            ) STORED
        )
        """
    )
    op.execute("CREATE INDEX items_owner_name_idx ON items (owner_id, name, id)")
    op.execute("CREATE INDEX items_owner_category_idx ON items (owner_id, category_id)")
    op.execute(
        "CREATE INDEX items_owner_attention_idx ON items (owner_id, quantity) "
        "WHERE is_active AND stock_status <> 'ok'"
    )
    op.execute(
        """
        CREATE TABLE orders (
            id uuid PRIMARY KEY,
            owner_id uuid NOT NULL,
            order_number text NOT NULL,
            local_id text,
            status text NOT NULL,
            notes text,
            total_items integer NOT NULL,
            total_units integer NOT NULL,
            exported_at timestamptz NOT NULL,
            ordered_at timestamptz,
            received_at timestamptz,
            applied_at timestamptz,
            declined_at timestamptz,
            version bigint NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            UNIQUE (owner_id, order_number)
        )
        """
    )
    op.execute("CREATE INDEX orders_owner_exported_idx ON orders (owner_id, exported_at DESC, id)")
    op.execute(
        """
        CREATE TABLE order_lines (
            id uuid NOT NULL,
            order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
            position integer NOT NULL,
            item_id uuid NOT NULL,
            name text NOT NULL,
            brand text,
            unit text NOT NULL,
            quantity integer NOT NULL,
            current_stock integer NOT NULL,
            minimum_stock integer NOT NULL,
            category_name text,
            supplier_name text,
            purchase_link text,
            image_uri text,
            is_essential boolean NOT NULL,
            notes text,
            PRIMARY KEY (order_id, position)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE owner_stats (
            owner_id uuid PRIMARY KEY,
            total_items integer NOT NULL DEFAULT 0,
            out_of_stock_count integer NOT NULL DEFAULT 0,
            low_stock_count integer NOT NULL DEFAULT 0,
            critical_items integer NOT NULL DEFAULT 0,
            total_categories integer NOT NULL DEFAULT 0,
            pending_orders_count integer NOT NULL DEFAULT 0
        )
        """
    )
    op.execute(
        """
        CREATE TABLE activity_log (
            id bigserial PRIMARY KEY,
            position bigint NOT NULL,
            owner_id uuid NOT NULL,
            action text NOT NULL,
            entity_type text NOT NULL,
            entity_id uuid,
            item_name text,
            order_number text,
            details text NOT NULL,
            event_type text NOT NULL,
            version bigint NOT NULL,
            via text NOT NULL,
            change jsonb,
            occurred_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        "CREATE INDEX activity_owner_time_idx ON activity_log (owner_id, occurred_at DESC, id DESC)"
    )
    op.execute("CREATE INDEX activity_entity_idx ON activity_log (entity_id, position)")
    # The activity projection's own memory of each entity's last known fields (for from/to).
    op.execute(
        """
        CREATE TABLE activity_subjects (
            entity_id uuid PRIMARY KEY,
            name text,
            fields jsonb NOT NULL
        )
        """
    )
    # Write-side guard (not a read table): an item can only join a live category, and a
    # category can only go while no item is in it. Foreign keys make concurrent category
    # deletes and item creates serialise instead of leaving an item in a deleted category.
    op.execute("CREATE TABLE live_categories (id uuid PRIMARY KEY, owner_id uuid NOT NULL)")
    op.execute(
        """
        CREATE TABLE item_memberships (
            item_id uuid PRIMARY KEY,
            category_id uuid NOT NULL REFERENCES live_categories (id)
        )
        """
    )
    op.execute("CREATE INDEX item_memberships_category_idx ON item_memberships (category_id)")
    op.execute(
        """
        CREATE TABLE idempotency_keys (
            scope text NOT NULL,
            key text NOT NULL,
            fingerprint bytea NOT NULL,
            status integer NOT NULL,
            body jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (scope, key)
        )
        """
    )
    op.execute("CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)")


def downgrade() -> None:
    for table in (
        "idempotency_keys",
        "item_memberships",
        "live_categories",
        "activity_subjects",
        "activity_log",
        "owner_stats",
        "order_lines",
        "orders",
        "items",
    ):
        op.execute(f"DROP TABLE {table}")

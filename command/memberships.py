"""The write-side guard that keeps items out of deleted categories: `live_categories` and
`item_memberships` (a foreign key between them), written as side writes with the events.
A deleted item keeps its row, marked deleted, while its category lives: seed data matched by
name finds the household's deleted item instead of creating a second one (migration 0020)."""

from uuid import UUID

from command.unit_of_work import transaction
from events.store import SideWrite, Store


def category_opens(category_id: UUID, owner_id: UUID) -> SideWrite:
    return SideWrite(
        "INSERT INTO live_categories (id, owner_id) VALUES (%s, %s)", (category_id, owner_id)
    )


def category_closes(category_id: UUID) -> SideWrite:
    """Fails (and the save retries) if an item joined the category meanwhile (or came back:
    its row is no longer marked deleted, so it stays and holds the category)."""
    return SideWrite(
        "WITH gone AS (DELETE FROM item_memberships WHERE category_id = %s AND deleted) "
        "DELETE FROM live_categories WHERE id = %s",
        (category_id, category_id),
    )


def item_joins(item_id: UUID, category_id: UUID) -> SideWrite:
    """A new or revived item. Fails (and the save retries) if the category was deleted
    meanwhile (with it went the rows of its deleted items)."""
    return SideWrite(
        "INSERT INTO item_memberships (item_id, category_id) VALUES (%s, %s) "
        "ON CONFLICT (item_id) DO UPDATE SET category_id = EXCLUDED.category_id, deleted = false",
        (item_id, category_id),
    )


def item_moves(item_id: UUID, category_id: UUID) -> SideWrite:
    return SideWrite(
        "UPDATE item_memberships SET category_id = %s WHERE item_id = %s", (category_id, item_id)
    )


def items_leave(item_ids: list[UUID]) -> SideWrite:
    return SideWrite(
        "UPDATE item_memberships SET deleted = true WHERE item_id = ANY(%s)", (item_ids,)
    )


def members_of(store: Store, category_id: UUID, *, deleted: bool = False) -> list[UUID]:
    """The category's items (`deleted`: the ones deleted since it was last emptied)."""
    with transaction(store) as curs:
        curs.execute(
            "SELECT item_id FROM item_memberships WHERE category_id = %s AND deleted = %s",
            (category_id, deleted),
        )
        return [row["item_id"] for row in curs.fetchall()]

"""Removal by omission (API.md 8.5): a legacy push that leaves out an entity this session
knows at its current version deletes it, as a revivable tombstone. Anything created or
changed by someone else since, or never delivered to this session, is kept."""

from uuid import UUID

from command.memberships import category_closes, items_leave, members_of
from command.retry import retry_on_conflict
from command.sync.bookkeeping import known_rows, known_versions
from command.uniqueness import release
from events.category import Category
from events.index import category_name_key
from events.item import Item
from events.store import Store


def remove_unnamed(
    store: Store, owner_id: UUID, session_id: UUID, named: dict[str, set[UUID]]
) -> int:
    """Apply omissions for the entity types the push named; returns the last position."""
    position = 0
    # Items first: a category only goes once nothing is left in it.
    for entity, remove in (("item", _remove_item), ("category", _remove_category)):
        if entity not in named:
            continue
        for entity_id, known in known_versions(store, session_id, entity).items():
            if entity_id not in named[entity]:
                position = max(position, remove(store, owner_id, session_id, entity_id, known))
    return position


@retry_on_conflict
def _remove_item(store: Store, owner_id: UUID, session_id: UUID, item_id: UUID, known: int) -> int:
    item = store.repository.get(item_id)
    if not _unchanged_since(item, Item, owner_id, known):
        return 0
    item.delete(via="sync")
    writes = [
        items_leave([item.id]),
        *known_rows(session_id, [item]),
    ]
    return store.save(item, side_writes=writes)[-1].notification.id


@retry_on_conflict
def _remove_category(
    store: Store, owner_id: UUID, session_id: UUID, category_id: UUID, known: int
) -> int:
    category = store.repository.get(category_id)
    if not _unchanged_since(category, Category, owner_id, known) or members_of(store, category_id):
        return 0
    category.delete()
    name = release(store, category_name_key(owner_id, category.name), owner_id)
    writes = [
        category_closes(category.id),
        *known_rows(session_id, [category]),
    ]
    return store.save(category, name, side_writes=writes)[-1].notification.id


def _unchanged_since(aggregate: object, kind: type, owner_id: UUID, known: int) -> bool:
    return (
        isinstance(aggregate, kind)
        and aggregate.owner_id == owner_id  # type: ignore[attr-defined]
        and not aggregate.is_deleted  # type: ignore[attr-defined]
        and aggregate.version == known  # type: ignore[attr-defined]
    )

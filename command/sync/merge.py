"""Legacy snapshot pushes (API.md 8.5): a device's absolute values merged three ways against
the state that device last knew, rebuilt from events.

For each field the device changed since its known version: taken if nobody else changed it,
kept as the server has it (a conflict) if both did. Quantity merges as a delta, so both
devices' stock changes count. An edit revives an entity deleted behind the device's back;
re-sending what it knew does not.
"""

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from command.categories.handlers import claim_name
from command.items.handlers import check_category
from command.memberships import category_opens, item_joins, item_moves
from command.retry import aggregate_locks, retry_on_conflict
from command.uniqueness import release
from events.category import REVISABLE, Category, CategoryNotFound
from events.index import category_name_key
from events.item import DETAIL_FIELDS, Item, ItemNotFound
from events.store import Store

ITEM_FIELDS = (*DETAIL_FIELDS, "category_id", "quantity")


class RemovalStands(Exception):
    """The device re-sent, unchanged, an entity removed since it last looked."""

    def __init__(self, current: Any):
        super().__init__("This was deleted on another device")
        self.current = current


@dataclass(frozen=True)
class Merge:
    owner_id: UUID
    entity_id: UUID
    known_version: int | None  # what this session last saw; None: never delivered to it
    sent: dict[str, Any]  # absolute values, only the fields the device sent


@dataclass
class Merged:
    aggregate: Any
    conflicts: list[str] = field(default_factory=list)
    position: int = 0


def three_way(sent: dict[str, Any], base: Any, current: Any) -> tuple[dict[str, Any], list[str]]:
    """The device's own changes that nobody else touched, and the fields both changed."""
    take, clash = {}, []
    for name, value in sent.items():
        before, now = getattr(base, name), getattr(current, name)
        if value in (before, now):
            continue
        if now == before:
            take[name] = value
        else:
            clash.append(name)
    return take, clash


def _plan(store: Store, cmd: Merge, current: Any) -> tuple[dict[str, Any], list[str], bool]:
    """(changes, conflicts, revive) for an upsert of `current` by this session."""
    known = cmd.known_version
    if known is None or known >= current.version:
        return dict(cmd.sent), [], current.is_deleted  # the session saw the latest state
    base = store.repository.get(cmd.entity_id, version=known)
    if current.is_deleted and all(v == getattr(base, k) for k, v in cmd.sent.items()):
        raise RemovalStands(current)
    sent = dict(cmd.sent)
    quantity = sent.pop("quantity", None)
    changes, clash = three_way(sent, base, current)
    if quantity is not None and quantity != base.quantity:
        # Stock merges as a delta: the device's change on top of everyone else's.
        changes["quantity"] = current.quantity + quantity - base.quantity
    return changes, clash, current.is_deleted


@retry_on_conflict
def merge_category(store: Store, cmd: Merge) -> Merged:
    current = store.repository.get(cmd.entity_id)
    if not isinstance(current, Category) or current.owner_id != cmd.owner_id:
        raise CategoryNotFound(cmd.entity_id)
    changes, clash, revive = _plan(store, cmd, current)
    old_name = current.name
    indexes, writes = [], []
    if revive:
        current.revive()
        indexes.append(claim_name(store, current, current.name))
        writes.append(category_opens(current.id, current.owner_id))
    values = {k: v for k, v in changes.items() if k in REVISABLE}
    current.revise(cleared=tuple(k for k, v in values.items() if v is None), **values)
    if category_name_key(cmd.owner_id, current.name) != category_name_key(cmd.owner_id, old_name):
        indexes.append(claim_name(store, current, current.name))
        if not revive:
            indexes.append(release(store, category_name_key(cmd.owner_id, old_name), cmd.owner_id))
    recordings = store.save(current, *indexes, side_writes=writes)
    return Merged(current, clash, recordings[-1].notification.id if recordings else 0)


def merge_item(store: Store, cmd: Merge) -> Merged:
    with aggregate_locks.hold(cmd.entity_id):
        return _merge_item(store, cmd)


@retry_on_conflict
def _merge_item(store: Store, cmd: Merge) -> Merged:
    current = store.repository.get(cmd.entity_id)
    if not isinstance(current, Item) or current.owner_id != cmd.owner_id:
        raise ItemNotFound(cmd.entity_id)
    changes, clash, revive = _plan(store, cmd, current)
    writes = []
    category_id = changes.get("category_id", current.category_id)
    if revive:
        check_category(store, cmd.owner_id, category_id)
        current.revive(via="sync")
        writes.append(item_joins(current.id, category_id))
    details = {k: v for k, v in changes.items() if k in DETAIL_FIELDS}
    current.revise("sync", tuple(k for k, v in details.items() if v is None), **details)
    if category_id != current.category_id:
        check_category(store, cmd.owner_id, category_id)
        current.move_to(category_id, via="sync")
        if not revive:
            writes.append(item_moves(current.id, category_id))
    if "quantity" in changes:
        current.set_stock(changes["quantity"], reason="sync", via="sync")
    recordings = store.save(current, side_writes=writes)
    return Merged(current, clash, recordings[-1].notification.id if recordings else 0)

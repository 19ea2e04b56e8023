"""Item commands. Stock changes are serialised per item in-process and retried across processes,
so concurrent deltas all count; every handler re-checks its rules against the state that won."""

from dataclasses import dataclass, field
from uuid import UUID

from command.categories.handlers import load_category
from command.items.requests import ItemCreate, ItemUpdate, StockChange
from command.loading import load_owned
from command.local_ids import local_id_row
from command.memberships import item_joins, item_moves, items_leave
from command.preconditions import check_version
from command.results import Saved
from command.retry import aggregate_locks, retry_on_conflict
from command.unit_of_work import UnitOfWork
from events.attribution import Via
from events.category import CategoryNotFound
from events.item import Item, ItemDetails, ItemEdit, ItemNotFound


@dataclass(frozen=True, kw_only=True)
class CreateItem:
    owner_id: UUID
    category_id: UUID
    local_id: str | None
    quantity: int
    details: ItemDetails
    via: Via = Via.API

    @classmethod
    def from_request(cls, body: ItemCreate, owner_id: UUID, via: Via = Via.API) -> "CreateItem":
        return cls(
            owner_id=owner_id,
            category_id=body.category_id,
            local_id=body.local_id,
            quantity=body.quantity,
            details=body.details(),
            via=via,
        )


@dataclass(frozen=True, kw_only=True)
class ReviseItem:
    owner_id: UUID
    item_id: UUID
    category_id: UUID | None = None
    quantity: int | None = None
    expected_version: int | None = None
    edit: ItemEdit = field(default_factory=ItemEdit)
    via: Via = Via.API

    @classmethod
    def from_request(
        cls,
        body: ItemUpdate,
        owner_id: UUID,
        item_id: UUID,
        expected_version: int | None,
        via: Via = Via.API,
    ) -> "ReviseItem":
        return cls(
            owner_id=owner_id,
            item_id=item_id,
            category_id=body.category_id,
            quantity=body.quantity,
            expected_version=expected_version,
            edit=body.edit(),
            via=via,
        )


@dataclass(frozen=True, kw_only=True)
class DeleteItem:
    owner_id: UUID
    item_id: UUID
    expected_version: int | None = None
    via: Via = Via.API


@dataclass(frozen=True, kw_only=True)
class ChangeStock:
    owner_id: UUID
    item_id: UUID
    quantity: int | None = None  # absolute (reference behaviour) ...
    delta: int | None = None  # ... or relative, which merges with concurrent changes
    reason: str | None = None
    expected_version: int | None = None
    via: Via = Via.API

    @classmethod
    def from_request(
        cls, body: StockChange, owner_id: UUID, item_id: UUID, expected_version: int | None
    ) -> "ChangeStock":
        return cls(
            owner_id=owner_id,
            item_id=item_id,
            quantity=body.quantity,
            delta=body.delta,
            reason=body.reason,
            expected_version=expected_version,
        )


class CategoryMissing(Exception):
    """The item names a category the caller does not have."""


@retry_on_conflict
def create_item(uow: UnitOfWork, cmd: CreateItem) -> Saved[Item]:
    check_category(uow, cmd.owner_id, cmd.category_id)
    item = Item.add(
        owner_id=cmd.owner_id,
        category_id=cmd.category_id,
        local_id=cmd.local_id,
        quantity=cmd.quantity,
        details=cmd.details,
        via=cmd.via,
    )
    # The membership row references live_categories: a category deleted meanwhile fails
    # this save, and the retry then reports the missing category.
    join = item_joins(item.id, cmd.category_id)
    writes = [join, *local_id_row(cmd.owner_id, "item", cmd.local_id, item.id)]
    return Saved(item, uow.commit(item, writes=writes))


@retry_on_conflict
def revise_item(uow: UnitOfWork, cmd: ReviseItem) -> Saved[Item]:
    """Details, category and stock in ONE event: a request is one version step (API.md 1.4)."""
    item = load_item(uow, cmd.owner_id, cmd.item_id)
    check_version(item, cmd.expected_version)
    writes = []
    moved = cmd.category_id if cmd.category_id not in (None, item.category_id) else None
    if moved is not None:
        check_category(uow, cmd.owner_id, moved)
        writes.append(item_moves(item.id, moved))
    delta = cmd.quantity - item.quantity if cmd.quantity is not None else 0
    item.revise(cmd.edit, cmd.via, category_id=moved, delta=delta)
    return Saved(item, uow.commit(item, writes=writes))


@retry_on_conflict
def delete_item(uow: UnitOfWork, cmd: DeleteItem) -> Saved[Item]:
    item = load_item(uow, cmd.owner_id, cmd.item_id)
    check_version(item, cmd.expected_version)
    item.delete(via=cmd.via)
    leave = items_leave([item.id])
    return Saved(item, uow.commit(item, writes=[leave]))


def change_stock(uow: UnitOfWork, cmd: ChangeStock) -> Saved[Item]:
    with aggregate_locks.hold(cmd.item_id):
        return _change_stock(uow, cmd)


@retry_on_conflict
def _change_stock(uow: UnitOfWork, cmd: ChangeStock) -> Saved[Item]:
    item = load_item(uow, cmd.owner_id, cmd.item_id)
    check_version(item, cmd.expected_version)
    if cmd.delta is not None:
        item.adjust_stock(cmd.delta, cmd.reason, via=cmd.via)
    elif cmd.quantity is not None:
        item.set_stock(cmd.quantity, cmd.reason, via=cmd.via)
    return Saved(item, uow.commit(item))


def load_item(uow: UnitOfWork, owner_id: UUID, item_id: UUID) -> Item:
    return load_owned(uow, Item, item_id, owner_id, ItemNotFound)


def check_category(uow: UnitOfWork, owner_id: UUID, category_id: UUID) -> None:
    try:
        load_category(uow, owner_id, category_id)
    except CategoryNotFound:
        raise CategoryMissing(category_id) from None

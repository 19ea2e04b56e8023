"""Category commands: load the aggregate, call one method, save (with its name index)."""

from dataclasses import dataclass
from uuid import UUID

from command.categories.requests import CategoryCreate, CategoryUpdate
from command.loading import load_owned
from command.local_ids import local_id_row
from command.memberships import category_closes, category_opens, items_leave, members_of
from command.preconditions import check_version
from command.results import Saved
from command.retry import retry_on_conflict
from command.uniqueness import KeyTaken, claim, release
from command.unit_of_work import UnitOfWork
from events.attribution import Via
from events.category import (
    Category,
    CategoryDetails,
    CategoryEdit,
    CategoryNameTaken,
    CategoryNotFound,
)
from events.index import Index, category_name_key
from events.item import Item


@dataclass(frozen=True, kw_only=True)
class CreateCategory:
    owner_id: UUID
    details: CategoryDetails
    local_id: str | None = None

    @classmethod
    def from_request(cls, body: CategoryCreate, owner_id: UUID) -> "CreateCategory":
        details = CategoryDetails(
            name=body.name,
            description=body.description,
            display_order=body.display_order,
            is_default=body.is_default,
        )
        return cls(owner_id=owner_id, details=details, local_id=body.local_id)


@dataclass(frozen=True, kw_only=True)
class ReviseCategory:
    owner_id: UUID
    category_id: UUID
    edit: CategoryEdit
    expected_version: int | None = None

    @classmethod
    def from_request(
        cls,
        body: CategoryUpdate,
        owner_id: UUID,
        category_id: UUID,
        expected_version: int | None,
    ) -> "ReviseCategory":
        edit = CategoryEdit(
            name=body.name,
            description=body.description,
            display_order=body.display_order,
            is_default=body.is_default,
        )
        return cls(
            owner_id=owner_id,
            category_id=category_id,
            edit=edit,
            expected_version=expected_version,
        )


@dataclass(frozen=True, kw_only=True)
class DeleteCategory:
    owner_id: UUID
    category_id: UUID
    expected_version: int | None = None
    keep_default: bool = False  # REST: default categories stay (API.md 4, rev. 2)


class DefaultCategoryKept(Exception):
    """Default categories cannot be deleted over REST."""


@retry_on_conflict
def create_category(uow: UnitOfWork, cmd: CreateCategory) -> Saved[Category]:
    category = Category.add(owner_id=cmd.owner_id, local_id=cmd.local_id, details=cmd.details)
    name_index = claim_name(uow, category, category.name)
    live = category_opens(category.id, cmd.owner_id)
    writes = [live, *local_id_row(cmd.owner_id, "category", cmd.local_id, category.id)]
    return Saved(category, uow.commit(category, name_index, writes=writes))


@retry_on_conflict
def revise_category(uow: UnitOfWork, cmd: ReviseCategory) -> Saved[Category]:
    category = load_category(uow, cmd.owner_id, cmd.category_id)
    check_version(category, cmd.expected_version)
    old_key = category_name_key(cmd.owner_id, category.name)
    if not category.revise(cmd.edit):
        return Saved(category, 0)
    indexes: list[Index | None] = []
    if category_name_key(cmd.owner_id, category.name) != old_key:
        indexes = [claim_name(uow, category, category.name), _release(uow, old_key, category)]
    return Saved(category, uow.commit(category, *indexes))


@retry_on_conflict
def delete_category(uow: UnitOfWork, cmd: DeleteCategory) -> Saved[Category]:
    """Delete the category and every item in it, in one transaction (API.md 4)."""
    category = load_category(uow, cmd.owner_id, cmd.category_id)
    check_version(category, cmd.expected_version)
    if cmd.keep_default and category.is_default:
        raise DefaultCategoryKept(category.id)
    category.delete()
    name_index = _release(uow, category_name_key(cmd.owner_id, category.name), category)
    items: list[Item] = [uow.get(item_id) for item_id in members_of(uow.store, category.id)]
    for item in items:
        item.delete(via=Via.API)
    ids = [item.id for item in items]
    writes = [items_leave(ids), category_closes(category.id)]
    return Saved(category, uow.commit(category, name_index, *items, writes=writes))


def load_category(uow: UnitOfWork, owner_id: UUID, category_id: UUID) -> Category:
    return load_owned(uow, Category, category_id, owner_id, CategoryNotFound)


def claim_name(uow: UnitOfWork, category: Category, name: str) -> Index:
    try:
        return claim(
            uow, category_name_key(category.owner_id, name), category.owner_id, category.id
        )
    except KeyTaken:
        raise CategoryNameTaken(name) from None


def _release(uow: UnitOfWork, key: str, category: Category) -> Index | None:
    return release(uow, key, category.owner_id)

"""The Category aggregate: a named group of supply items in one household."""

from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.attribution import Attributed


@dataclass(frozen=True, kw_only=True)
class CategoryDetails:
    """What a category says about itself: the one list of its fields."""

    name: str
    description: str | None = None
    display_order: int = 0
    is_default: bool = False


REVISABLE = tuple(f.name for f in fields(CategoryDetails))


@dataclass(frozen=True, kw_only=True)
class CategoryEdit:
    """An edit of a category: None leaves a field as it is; `cleared` names those set to null."""

    name: str | None = None
    description: str | None = None
    display_order: int | None = None
    is_default: bool | None = None
    cleared: tuple[str, ...] = ()


class Category(Aggregate):
    """A household's category of supplies; its name is unique within the household."""

    class Event(Attributed, Aggregate.Event):
        owner_id: UUID

    class Created(Event, Aggregate.Created):
        local_id: str | None
        name: str
        description: str | None
        display_order: int
        is_default: bool

    def __init__(
        self,
        owner_id: UUID,
        local_id: str | None,
        name: str,
        description: str | None,
        display_order: int,
        is_default: bool,
    ):
        self.owner_id = owner_id
        self.local_id = local_id
        self.name = name
        self.description = description
        self.display_order = display_order
        self.is_default = is_default
        self.is_deleted = False

    @classmethod
    def add(cls, *, owner_id: UUID, local_id: str | None, details: CategoryDetails) -> "Category":
        """A new category (its Created event carries the details one by one)."""
        return cls(owner_id=owner_id, local_id=local_id, **vars(details))

    class Revised(Event):
        """Only the fields that changed are set; `cleared` names fields set to null."""

        name: str | None
        description: str | None
        display_order: int | None
        is_default: bool | None
        cleared: tuple[str, ...]

        def apply(self, aggregate: "Category") -> None:
            for field in REVISABLE:
                value = getattr(self, field)
                if value is not None:
                    setattr(aggregate, field, value)
            for field in self.cleared:
                setattr(aggregate, field, None)

    class Deleted(Event):
        def apply(self, aggregate: "Category") -> None:
            aggregate.is_deleted = True

    class Revived(Event):
        """A deleted category came back, whole (see Item.Revived)."""

        local_id: str | None
        name: str
        description: str | None
        display_order: int
        is_default: bool
        originally_created: datetime

        def apply(self, aggregate: "Category") -> None:
            aggregate.is_deleted = False

    def revive(self) -> None:
        if not self.is_deleted:
            return
        self.trigger_event(
            self.Revived,
            owner_id=self.owner_id,
            local_id=self.local_id,
            name=self.name,
            description=self.description,
            display_order=self.display_order,
            is_default=self.is_default,
            originally_created=self.created_on,
        )

    def revise(self, edit: CategoryEdit) -> bool:
        """Apply the edit; False, recording nothing, if nothing differs."""
        self.check_exists()
        sent = {f: getattr(edit, f) for f in REVISABLE}
        changed = {f: v for f, v in sent.items() if v is not None and getattr(self, f) != v}
        cleared = tuple(f for f in edit.cleared if getattr(self, f) is not None)
        if not changed and not cleared:
            return False
        self.trigger_event(
            self.Revised,
            owner_id=self.owner_id,
            cleared=cleared,
            **{f: changed.get(f) for f in REVISABLE},
        )
        return True

    def delete(self) -> None:
        self.check_exists()
        self.trigger_event(self.Deleted, owner_id=self.owner_id)

    def check_exists(self) -> None:
        if self.is_deleted:
            raise CategoryNotFound(self.id)

    def check_owned_by(self, owner_id: UUID) -> None:
        if self.owner_id != owner_id or self.is_deleted:
            raise CategoryNotFound(self.id)


class CategoryNotFound(Exception):
    """No such category for this owner."""


class CategoryNameTaken(Exception):
    """Another category of this owner already has the name."""

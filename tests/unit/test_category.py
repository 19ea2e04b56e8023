"""Category rules, given events, when a command method, then new events or an error."""

import uuid
from typing import Any

import pytest

from events.category import Category, CategoryEdit, CategoryNotFound

OWNER = uuid.uuid4()


def given_category(**overrides: Any) -> Category:
    fields: dict[str, Any] = {
        "owner_id": OWNER,
        "local_id": None,
        "name": "Medication",
        "description": None,
        "display_order": 0,
        "is_default": False,
    }
    category = Category(**{**fields, **overrides})
    category.collect_events()
    return category


def test_creation_records_one_created_event_with_the_owner() -> None:
    category = Category(
        owner_id=OWNER,
        local_id="l1",
        name="Meds",
        description="d",
        display_order=3,
        is_default=True,
    )
    (event,) = category.collect_events()
    assert isinstance(event, Category.Created)
    assert (event.owner_id, event.name, event.display_order, event.local_id) == (
        OWNER,
        "Meds",
        3,
        "l1",
    )
    assert category.version == 1


def test_revise_records_only_the_fields_that_changed() -> None:
    category = given_category(description="same")
    assert category.revise(CategoryEdit(name="Airway", description="same")) is True
    (event,) = category.collect_events()
    assert isinstance(event, Category.Revised)
    assert event.name == "Airway"
    assert event.description is None  # unchanged, so not carried
    assert event.owner_id == OWNER
    assert category.version == 2


def test_revise_with_nothing_new_records_nothing() -> None:
    category = given_category()
    assert category.revise(CategoryEdit(name="Medication", is_default=False)) is False
    assert category.collect_events() == []
    assert category.version == 1


def test_delete_then_any_change_is_refused() -> None:
    category = given_category()
    category.delete()
    (event,) = category.collect_events()
    assert isinstance(event, Category.Deleted)
    with pytest.raises(CategoryNotFound):
        category.revise(CategoryEdit(name="Back"))
    with pytest.raises(CategoryNotFound):
        category.delete()


def test_another_owner_cannot_see_it() -> None:
    with pytest.raises(CategoryNotFound):
        given_category().check_owned_by(uuid.uuid4())

"""Responses of category commands, built from the saved aggregate."""

from events.category import Category
from wire.categories import CategoryOut


def category_out(category: Category) -> CategoryOut:
    return CategoryOut(
        id=category.id,
        local_id=category.local_id,
        name=category.name,
        description=category.description,
        display_order=category.display_order,
        is_default=category.is_default,
        version=category.version,
        created_at=category.created_on,
        updated_at=category.modified_on,
    )

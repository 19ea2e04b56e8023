"""How category commands refuse, over HTTP and in sync outcomes."""

from collections.abc import Mapping

from command.categories.handlers import DefaultCategoryKept
from command.categories.responses import category_out
from command.refusals import Refusal, Shape
from events.category import Category, CategoryNameTaken, CategoryNotFound

REFUSALS: Mapping[type[Exception], Refusal] = {
    CategoryNotFound: Refusal(404, "not_found", "Category not found"),
    CategoryNameTaken: Refusal(409, "conflict", "A category with this name already exists"),
    DefaultCategoryKept: Refusal(409, "conflict", "Default categories cannot be deleted"),
}
SHAPES: Mapping[type, Shape] = {Category: category_out}
FEATURE = (REFUSALS, SHAPES)

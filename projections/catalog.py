"""Every live projection, in the order a batch is applied to them."""

from projections.categories import CategoriesProjection
from projections.projection import Projection
from projections.users import UsersProjection


def all_projections() -> list[Projection]:
    return [UsersProjection(), CategoriesProjection()]

"""Every live projection, in the order a batch is applied to them."""

from projections.activity import ActivityProjection
from projections.categories import CategoriesProjection
from projections.feed import FeedProjection
from projections.items import ItemsProjection
from projections.orders import OrdersProjection
from projections.projection import Projection
from projections.usage import UsageProjection
from projections.users import UsersProjection


def all_projections() -> list[Projection]:
    return [
        UsersProjection(),
        CategoriesProjection(),
        ItemsProjection(),
        UsageProjection(),
        OrdersProjection(),
        ActivityProjection(),
        FeedProjection(),
    ]

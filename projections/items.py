"""The `items` read table (stock status derived by the database) and the item counters."""

from dataclasses import fields
from datetime import date
from types import NoneType
from typing import get_args

from events.item import DETAIL_FIELDS, Item, ItemDetails
from projections.projection import Envelope, Row, StateTable

SQL_TYPES = {str: "text", int: "integer", bool: "boolean", date: "date"}


def detail_columns() -> dict[str, str]:
    """The read table's column of each detail, typed as the detail is (every one nullable)."""
    columns = {}
    for detail in fields(ItemDetails):
        (kind,) = [t for t in get_args(detail.type) if t is not NoneType] or [detail.type]
        columns[detail.name] = SQL_TYPES[kind]
    return columns


def created(_row: Row | None, e: Envelope) -> Row:
    event = e.event
    return {
        "id": event.originator_id,
        "owner_id": event.owner_id,
        "category_id": event.category_id,
        "local_id": event.local_id,
        **{f: getattr(event, f) for f in DETAIL_FIELDS},
        "quantity": event.quantity,
        "version": event.originator_version,
        "created_at": event.timestamp,
        "updated_at": event.timestamp,
    }


def changed(row: Row, e: Envelope, **values: object) -> Row:
    return {**row, **values, "version": e.event.originator_version, "updated_at": e.event.timestamp}


def revised(row: Row | None, e: Envelope) -> Row | None:
    if row is None:
        return None
    event = e.event
    values = {f: getattr(event, f) for f in DETAIL_FIELDS if getattr(event, f) is not None}
    values.update(dict.fromkeys(event.cleared))
    if event.category_id is not None:
        values["category_id"] = event.category_id
    if event.quantity is not None:
        values["quantity"] = event.quantity
    return changed(row, e, **values)


def moved(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e, category_id=e.event.category_id)


def stock_adjusted(row: Row | None, e: Envelope) -> Row | None:
    return row and changed(row, e, quantity=e.event.quantity)


def deleted(_row: Row | None, _e: Envelope) -> None:
    return None


def revived(_row: Row | None, e: Envelope) -> Row:
    return {**created(None, e), "created_at": e.event.originally_created}


class ItemsProjection(StateTable):
    name = "items"
    table = "items"
    columns = {  # noqa: RUF012
        "id": "uuid",
        "owner_id": "uuid",
        "category_id": "uuid",
        "local_id": "text",
        "quantity": "integer",
        **detail_columns(),
        "version": "bigint",
        "created_at": "timestamptz",
        "updated_at": "timestamptz",
    }
    handlers = {  # noqa: RUF012
        Item.Created: created,
        Item.Revised: revised,
        Item.Moved: moved,
        Item.StockAdjusted: stock_adjusted,
        Item.Deleted: deleted,
        Item.Revived: revived,
    }
    stats_columns = ("total_items", "out_of_stock_count", "low_stock_count", "critical_items")

    def counters(self, row: Row) -> dict[str, int]:
        """API.md 2.3 and 5.4: counts are over active items."""
        if not row["is_active"]:
            return {}
        quantity, minimum = row["quantity"], row["minimum_stock"]
        return {
            "total_items": 1,
            "out_of_stock_count": int(quantity <= 0),
            "low_stock_count": int(0 < quantity < minimum),
            "critical_items": int(row["is_critical"]),
        }

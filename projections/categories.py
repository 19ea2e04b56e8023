"""The `categories` read table."""

from events.category import REVISABLE, Category
from projections.projection import Envelope, Row, StateTable


def created(_row: Row | None, e: Envelope) -> Row:
    event = e.event
    return {
        "id": event.originator_id,
        "owner_id": event.owner_id,
        "local_id": event.local_id,
        "name": event.name,
        "description": event.description,
        "display_order": event.display_order,
        "is_default": event.is_default,
        "version": event.originator_version,
        "created_at": event.timestamp,
        "updated_at": event.timestamp,
    }


def revised(row: Row | None, e: Envelope) -> Row | None:
    if row is None:
        return None
    event = e.event
    changes = {f: getattr(event, f) for f in REVISABLE if getattr(event, f) is not None}
    changes.update(dict.fromkeys(event.cleared))
    return {**row, **changes, "version": event.originator_version, "updated_at": event.timestamp}


def deleted(_row: Row | None, _e: Envelope) -> None:
    return None


def revived(_row: Row | None, e: Envelope) -> Row:
    return {**created(None, e), "created_at": e.event.originally_created}


class CategoriesProjection(StateTable):
    name = "categories"
    table = "categories"
    columns = {  # noqa: RUF012
        "id": "uuid",
        "owner_id": "uuid",
        "local_id": "text",
        "name": "text",
        "description": "text",
        "display_order": "integer",
        "is_default": "boolean",
        "version": "bigint",
        "created_at": "timestamptz",
        "updated_at": "timestamptz",
    }
    stats_columns = ("total_categories",)

    def counters(self, row: Row) -> dict[str, int]:  # noqa: ARG002 - every row counts once
        return {"total_categories": 1}

    handlers = {  # noqa: RUF012
        Category.Created: created,
        Category.Revised: revised,
        Category.Deleted: deleted,
        Category.Revived: revived,
    }

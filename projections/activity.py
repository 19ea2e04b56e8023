"""The `activity_log` read table: one entry per event, for the activity feed and item history.

To say what changed (`{field: {from, to}}`) it remembers each entity's last known fields in
`activity_subjects`, its own table, so it never reads another projection. One module over
~250 lines: every event type's entry reads and updates that same memory.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

import asyncpg
import orjson

from events.attribution import Via, actor_of
from events.category import REVISABLE, Category
from events.conflict import SyncConflict
from events.device import Device
from events.item import DETAIL_FIELDS, Item
from events.order import Order, OrderStatus
from events.user import User
from projections.projection import Envelope, Projection


@dataclass
class Subject:
    """What the log remembers of an entity."""

    name: str | None
    fields: dict[str, Any]


class Entry(NamedTuple):
    """One per event: a named tuple, built several times faster than a frozen dataclass."""

    action: str
    entity_type: str
    details: str
    event_type: str
    change: dict[str, Any] | None = None
    order_number: str | None = None


Describe = Callable[[Any, Subject], Entry]


def jsonable(value: Any) -> Any:
    """Event values as JSON values."""
    if isinstance(value, (UUID, date)):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    return value


def diff(subject: Subject, event: Any, fields: Sequence[str]) -> dict[str, Any]:
    change = {}
    for field in fields:
        value = getattr(event, field)
        if value is not None or field in getattr(event, "cleared", ()):
            change[field] = {"from": subject.fields.get(field), "to": jsonable(value)}
            subject.fields[field] = jsonable(value)
    if "name" in change:
        subject.name = change["name"]["to"]
    return change


def item_created(e: Any, s: Subject) -> Entry:
    s.name = e.name
    s.fields = {f: jsonable(getattr(e, f)) for f in (*DETAIL_FIELDS, "quantity", "category_id")}
    return Entry(
        "item_create", "item", f"Created item '{e.name}' (quantity {e.quantity})", "item.created"
    )


def item_revised(e: Any, s: Subject) -> Entry:
    """One edit; a stock change in it shows as `quantity` with its delta (API.md 1.4, 7.2)."""
    change = diff(s, e, (*DETAIL_FIELDS, "category_id"))
    if e.delta is not None:
        change["quantity"] = {"from": e.quantity - e.delta, "to": e.quantity, "delta": e.delta}
        s.fields["quantity"] = e.quantity
    return Entry(
        "item_update",
        "item",
        f"Updated item '{s.name}': {', '.join(change)}",
        "item.updated",
        change,
    )


def item_moved(e: Any, s: Subject) -> Entry:
    change = {"category_id": {"from": s.fields.get("category_id"), "to": str(e.category_id)}}
    s.fields["category_id"] = str(e.category_id)
    return Entry(
        "item_update", "item", f"Moved item '{s.name}' to another category", "item.updated", change
    )


def stock_adjusted(e: Any, s: Subject) -> Entry:
    before = e.quantity - e.delta
    s.fields["quantity"] = e.quantity
    reason = f": {e.reason}" if e.reason else ""
    change = {"from": before, "to": e.quantity, "delta": e.delta, "reason": e.reason}
    if e.note:  # a stock-take's note
        change["note"] = e.note
        reason += f" ({e.note})"
    details = f"Stock of '{s.name}' changed {before} -> {e.quantity} ({e.delta:+d}){reason}"
    return Entry("stock_update", "item", details, "item.stock_changed", change)


def item_revived(_e: Any, s: Subject) -> Entry:
    return Entry("item_restore", "item", f"Restored item '{s.name}'", "item.created")


def category_revived(_e: Any, s: Subject) -> Entry:
    return Entry(
        "category_restore", "category", f"Restored category '{s.name}'", "category.created"
    )


def item_deleted(_e: Any, s: Subject) -> Entry:
    return Entry("item_delete", "item", f"Deleted item '{s.name}'", "item.deleted")


def category_created(e: Any, s: Subject) -> Entry:
    s.name = e.name
    s.fields = {f: jsonable(getattr(e, f)) for f in REVISABLE}
    return Entry("category_create", "category", f"Created category '{e.name}'", "category.created")


def category_revised(e: Any, s: Subject) -> Entry:
    change = diff(s, e, REVISABLE)
    details = f"Updated category '{s.name}': {', '.join(change)}"
    return Entry("category_update", "category", details, "category.updated", change)


def category_deleted(_e: Any, s: Subject) -> Entry:
    return Entry("category_delete", "category", f"Deleted category '{s.name}'", "category.deleted")


def order_created(e: Any, s: Subject) -> Entry:
    s.name = e.order_number
    s.fields = {"status": OrderStatus.PENDING}
    details = f"Created order {e.order_number} with {len(e.lines)} line(s)"
    return Entry("order_created", "order", details, "order.created", order_number=e.order_number)


def order_status(e: Any, s: Subject) -> Entry:
    change = {"status": {"from": s.fields.get("status"), "to": e.status}}
    s.fields["status"] = e.status
    details = f"Order {s.name} is now {e.status.replace('_', ' ')}"
    return Entry(f"order_{e.status}", "order", details, "order.updated", change, s.name)


def order_applied(e: Any, s: Subject) -> Entry:
    s.fields["status"] = "stock_updated"
    skipped = [str(i) for i in e.skipped_item_ids]
    details = f"Order {s.name} applied to stock: {len(e.applied)} line(s) added"
    if skipped:
        details += f"; skipped deleted items {', '.join(skipped)}"
    change: dict[str, Any] = {
        "applied": [{"itemId": str(a.item_id), "quantity": a.quantity} for a in e.applied]
    }
    change["skippedItemIds"] = skipped
    return Entry("order_applied", "order", details, "order.applied", change, s.name)


def order_deleted(_e: Any, s: Subject) -> Entry:
    return Entry("order_deleted", "order", f"Deleted order {s.name}", "order.deleted", None, s.name)


def sync_pushed(e: Any, _s: Subject) -> Entry:
    details = (
        f"Sync push: {e.applied} applied, {e.duplicates} duplicate, "
        f"{e.conflicts} conflict, {e.rejected} rejected"
    )
    return Entry("sync_push", "sync", details, "sync.push")


def sync_pulled(e: Any, _s: Subject) -> Entry:
    details = (
        "Sync pull: new device snapshot" if e.bootstrap else f"Sync pull: {e.events} change(s)"
    )
    return Entry("sync_pull", "sync", details, "sync.pull")


def sync_conflict(e: Any, s: Subject) -> Entry:
    """A device's change the server did not take: in the activity log and the entity's history."""
    fields = ", ".join(c.field for c in e.clashes)
    details = f"Sync conflict on {e.entity} '{s.name}': kept the server's {fields} ({e.reason})"
    change = {
        "reason": e.reason,
        "operationId": e.operation_id,
        "fields": {c.field: {"device": c.device, "server": c.server} for c in e.clashes},
    }
    return Entry("sync_conflict", e.entity, details, f"{e.entity}.conflict", change)


def user_entry(action: str, text: str) -> Describe:
    def describe(_e: Any, _s: Subject) -> Entry:
        return Entry(action, "user", text, f"user.{action.removeprefix('user_')}")

    return describe


DESCRIBE: dict[type, Describe] = {
    Item.Created: item_created,
    Item.Revised: item_revised,
    Item.Moved: item_moved,
    Item.StockAdjusted: stock_adjusted,
    Item.Deleted: item_deleted,
    Item.Revived: item_revived,
    Category.Created: category_created,
    Category.Revised: category_revised,
    Category.Deleted: category_deleted,
    Category.Revived: category_revived,
    Order.Created: order_created,
    Order.StatusChanged: order_status,
    Order.Applied: order_applied,
    Order.Deleted: order_deleted,
    Device.Pushed: sync_pushed,
    Device.Pulled: sync_pulled,
    SyncConflict.Recorded: sync_conflict,
    User.Registered: user_entry("user_register", "Registered"),
    User.LoggedIn: user_entry("user_login", "Logged in"),
    User.LoggedOut: user_entry("user_logout", "Logged out"),
    User.ProfileUpdated: user_entry("user_update", "Updated profile"),
    User.EmailVerified: user_entry("user_email_verified", "Verified email address"),
    # The household sees an email change asked for, undone or done (never the addresses).
    User.EmailChangeRequested: user_entry(
        "user_email_change_requested", "Asked to change the email address"
    ),
    User.EmailChangeCancelled: user_entry(
        "user_email_change_cancelled", "Email address change cancelled"
    ),
    User.EmailChanged: user_entry("user_email_changed", "Email address changed"),
    User.DailyDigestChosen: user_entry("user_update", "Updated profile"),
    User.PasswordChanged: user_entry("user_password_changed", "Changed password"),
    User.Disabled: user_entry("user_disabled", "Account disabled by an operator"),
    User.Enabled: user_entry("user_enabled", "Account enabled by an operator"),
}


def subject_of(event: Any) -> UUID:
    """The entity an entry is about: the event's aggregate, or the one a conflict concerns."""
    # Exact type: isinstance on event classes goes through ABC machinery on every event.
    return event.entity_id if type(event) is SyncConflict.Recorded else event.originator_id


COLUMNS = {
    "id": "bigint",  # the event's position in the log
    "owner_id": "uuid",
    "action": "text",
    "entity_type": "text",
    "entity_id": "uuid",
    "item_name": "text",
    "order_number": "text",
    "details": "text",
    "event_type": "text",
    "version": "bigint",
    "via": "text",
    "change": "json",
    "occurred_at": "timestamptz",
    "actor_id": "uuid",  # who caused it (None: nobody, or recorded before rev. 3)
}


class ActivityProjection(Projection):
    name = "activity"
    tables = ("activity_log", "activity_subjects")
    reads = frozenset(DESCRIBE)

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        relevant = [e for e in batch if type(e.event) in DESCRIBE]
        if not relevant:
            return
        subjects = await self._load(conn, {subject_of(e.event) for e in relevant})
        rows = []
        for envelope in relevant:
            event = envelope.event
            key = subject_of(event)
            subject = subjects.get(key)
            if subject is None:
                subject = subjects[key] = Subject(None, {})
            entry = DESCRIBE[type(event)](event, subject)
            rows.append(self._row(envelope, entry, subject))
        await self._append(conn, rows)
        await self._remember(conn, subjects)

    async def erase(self, conn: asyncpg.Connection, owners: list[UUID]) -> None:
        await conn.execute(
            "DELETE FROM activity_subjects WHERE entity_id IN "
            "(SELECT entity_id FROM activity_log WHERE owner_id = ANY($1::uuid[]))",
            owners,
        )
        await conn.execute("DELETE FROM activity_log WHERE owner_id = ANY($1::uuid[])", owners)

    def _row(self, envelope: Envelope, entry: Entry, subject: Subject) -> tuple[Any, ...]:
        """The entry's row, in the order of COLUMNS (one per event: built as a tuple)."""
        event = envelope.event
        conflict = type(event) is SyncConflict.Recorded
        fields = vars(event)  # fields some event types lack, read without an exception each
        return (
            envelope.position,
            event.owner_id,
            entry.action,
            entry.entity_type,
            event.entity_id if conflict else event.originator_id,
            subject.name if entry.entity_type in ("item", "category") else None,
            entry.order_number,
            entry.details,
            entry.event_type,
            fields.get("entity_version", event.originator_version),
            fields.get("via", Via.SYNC if conflict else Via.API),
            orjson.dumps(entry.change).decode() if entry.change is not None else None,
            event.timestamp,
            actor_of(event),
        )

    async def _load(self, conn: asyncpg.Connection, ids: set[UUID]) -> dict[UUID, Subject]:
        rows = await conn.fetch(
            "SELECT entity_id, name, fields FROM activity_subjects "
            "WHERE entity_id = ANY($1::uuid[])",
            list(ids),
        )
        return {r["entity_id"]: Subject(r["name"], orjson.loads(r["fields"])) for r in rows}

    async def _append(self, conn: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> None:
        # Binary COPY: append-only, and the runner's tracking applies each event once.
        await conn.copy_records_to_table("activity_log", records=rows, columns=list(COLUMNS))

    async def _remember(self, conn: asyncpg.Connection, subjects: dict[UUID, Subject]) -> None:
        ids = list(subjects)
        await conn.execute(
            "INSERT INTO activity_subjects (entity_id, name, fields) "
            "SELECT * FROM unnest($1::uuid[], $2::text[], $3::json[]) "
            "ON CONFLICT (entity_id) DO UPDATE SET name = EXCLUDED.name, fields = EXCLUDED.fields",
            ids,
            [subjects[i].name for i in ids],
            [orjson.dumps(subjects[i].fields).decode() for i in ids],
        )

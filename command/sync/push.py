"""POST /sync/push (API.md 8.2): a device's operations, applied in the order given.

Each operation is atomic on its own: its events, its dedup row (so a resent operation is a
`duplicate`) and the session's new known versions commit together. A push without `mode`
comes from the current app and follows 8.5 (merge, and removal by omission of what this
session knows); `mode: "ops"` infers nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel, ValidationError

from command.categories import handlers as categories
from command.categories.requests import CategoryCreate, CategoryUpdate
from command.errors import WIRE
from command.items import handlers as items
from command.items.requests import ItemCreate, ItemUpdate
from command.orders import handlers as orders
from command.orders.requests import OrderCreate, StatusChange
from command.preconditions import VersionConflict
from command.results import Saved
from command.sync import merge
from command.sync.bookkeeping import (
    known_rows,
    known_versions,
    local_ids,
    operation_row,
    processed,
    processed_many,
)
from command.sync.omission import remove_unnamed
from events.category import Category, CategoryNameTaken, CategoryNotFound
from events.device import Device
from events.item import DETAIL_FIELDS, InsufficientStock, Item, ItemNotFound, StockLimitExceeded
from events.order import AlreadyApplied, InvalidTransition, Order, OrderNotFound
from events.store import Store, save_hook
from vitaltrack.ids import parse_uuid

KINDS = {"category": Category, "item": Item, "order": Order}


@dataclass(frozen=True)
class Operation:
    id: str
    type: str
    entity: str
    entity_id: str | None
    local_id: str | None
    data: Mapping[str, Any] | None
    base_version: int | None


@dataclass(frozen=True)
class Outcome:
    operation_id: str
    status: str  # applied | duplicate | conflict | rejected
    entity_id: UUID | None = None
    server_version: int | None = None
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class Push:
    owner_id: UUID
    session_id: UUID
    operations: tuple[Operation, ...]
    legacy: bool


@dataclass(frozen=True)
class Pushed:
    outcomes: list[Outcome]
    position: int


class Rejected(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


REJECTIONS: dict[type[Exception], str] = {
    InsufficientStock: "insufficient_stock",
    StockLimitExceeded: "validation_error",
    items.CategoryMissing: "bad_request",
    orders.OrderedItemMissing: "bad_request",
    InvalidTransition: "invalid_transition",
    AlreadyApplied: "already_applied",
    CategoryNotFound: "not_found",
    ItemNotFound: "not_found",
    OrderNotFound: "not_found",
}


def push(store: Store, cmd: Push) -> Pushed:
    run = _Run(store, cmd)
    outcomes = [run.one(op) for op in cmd.operations]
    if cmd.legacy:
        named = {op.entity: set() for op in cmd.operations}
        for op, outcome in zip(cmd.operations, outcomes, strict=True):
            if outcome.entity_id is not None:
                named[op.entity].add(outcome.entity_id)
        run.position = max(run.position, remove_unnamed(store, cmd.owner_id, cmd.session_id, named))
    run.position = max(run.position, record_device(store, cmd, outcomes))
    return Pushed(outcomes, run.position)


def record_device(store: Store, cmd: Push, outcomes: list[Outcome]) -> int:
    count = {
        s: sum(o.status == s for o in outcomes)
        for s in ("applied", "duplicate", "conflict", "rejected")
    }
    device = _device(store, cmd.owner_id, cmd.session_id)
    device.record_push(count["applied"], count["duplicate"], count["conflict"], count["rejected"])
    return store.save(device)[-1].notification.id


def _device(store: Store, owner_id: UUID, session_id: UUID) -> Device:
    try:
        return store.repository.get(Device.create_id(session_id))
    except AggregateNotFoundError:  # the first sync of this session
        return Device(owner_id=owner_id, session_id=session_id)


class _Run:
    """One push: dispatches operations and keeps the highest position written."""

    def __init__(self, store: Store, cmd: Push):
        self.store = store
        self.cmd = cmd
        self.position = 0
        self._known = known_versions(store, cmd.session_id) if cmd.legacy else {}
        self._seen = processed_many(store, cmd.owner_id, [op.id for op in cmd.operations])
        self._local = local_ids(store, cmd.owner_id)

    def one(self, op: Operation) -> Outcome:
        owner = self.cmd.owner_id
        first = self._seen.get(op.id)
        if first is not None:
            return Outcome(op.id, "duplicate", *first)
        token = save_hook.set(
            lambda saved: [
                operation_row(owner, op.id, saved[0]),
                *known_rows(self.cmd.session_id, saved),
            ]
        )
        try:
            aggregate, conflicts = self._dispatch(op)
        except (VersionConflict, merge.RemovalStands, CategoryNameTaken) as exc:
            current = getattr(exc, "current", None)
            return self._conflict(op, current, str(exc) or "Name already used")
        except ValidationError as exc:
            return self._reject(op, "validation_error", "; ".join(e["msg"] for e in exc.errors()))
        except Rejected as exc:
            return self._reject(op, exc.code, str(exc))
        except tuple(REJECTIONS) as exc:
            return self._reject(op, REJECTIONS[type(exc)], str(exc) or type(exc).__doc__ or "")
        except IntegrityError:
            first = processed(self.store, owner, op.id)  # the same operation, sent twice at once
            if first is None:
                raise
            return Outcome(op.id, "duplicate", *first)
        finally:
            save_hook.reset(token)
        self._remember_local(op, aggregate)
        if conflicts:
            return self._conflict(
                op, aggregate, f"Changed on another device: {', '.join(conflicts)}"
            )
        return Outcome(op.id, "applied", aggregate.id, aggregate.version)

    def _remember_local(self, op: Operation, aggregate: Any) -> None:
        """Later operations of this push may refer to what this one created, by client id."""
        local = op.local_id or (op.data or {}).get("localId")
        if isinstance(local, str):
            self._local.setdefault((op.entity, local), aggregate.id)

    def _conflict(self, op: Operation, current: Any, message: str) -> Outcome:
        error: dict[str, Any] = {"code": "conflict", "message": message}
        if current is not None and not getattr(current, "is_deleted", False):
            error["current"] = WIRE[type(current)](current).model_dump(mode="json", by_alias=True)
        entity_id = getattr(current, "id", None)
        return Outcome(op.id, "conflict", entity_id, getattr(current, "version", None), error)

    def _reject(self, op: Operation, code: str, message: str) -> Outcome:
        return Outcome(op.id, "rejected", None, None, {"code": code, "message": message})

    def _dispatch(self, op: Operation) -> tuple[Any, list[str]]:
        if op.entity not in KINDS:
            raise Rejected("validation_error", f"Unknown entity '{op.entity}'")
        if op.type not in ("create", "update", "delete", "adjust_stock"):
            raise Rejected("validation_error", f"Unknown operation type '{op.type}'")
        entity_id = self._resolve(op)
        if op.type == "adjust_stock":
            return self._adjust(op, entity_id), []
        if op.type == "delete":
            return self._delete(op, entity_id), []
        if entity_id is None:
            return self._create(op), []
        if self.cmd.legacy and op.type == "create" and op.entity != "order":
            return self._merge(op, entity_id)
        return self._update(op, entity_id), []

    def _resolve(self, op: Operation) -> UUID | None:
        kind = KINDS[op.entity]
        candidate = parse_uuid(op.entity_id or "")
        if candidate is not None:
            try:
                found = self.store.repository.get(candidate)
            except AggregateNotFoundError:  # maybe it is a client id after all
                found = None
            if isinstance(found, kind) and found.owner_id == self.cmd.owner_id:
                return candidate
        for local in (op.local_id, op.entity_id):
            if local and (op.entity, local) in self._local:
                return self._local[(op.entity, local)]
        return None

    def _data(self, op: Operation) -> dict[str, Any]:
        data = dict(op.data or {})
        if op.entity == "item" and isinstance(data.get("categoryId", data.get("category_id")), str):
            key = "categoryId" if "categoryId" in data else "category_id"
            data[key] = str(self._local_or_server("category", data[key]))
        if op.entity == "order":
            for line in data.get("items") or []:
                if isinstance(line, dict) and isinstance(line.get("itemId"), str):
                    line["itemId"] = str(self._local_or_server("item", line["itemId"]))
        return data

    def _local_or_server(self, entity: str, ref: str) -> str | UUID:
        return self._local.get((entity, ref), ref)

    def _saved(self, saved: Saved[Any]) -> Any:
        self.position = max(self.position, saved.position)
        return saved.aggregate

    def _create(self, op: Operation) -> Any:
        owner, data = self.cmd.owner_id, self._data(op)
        local = op.local_id or data.get("localId")
        if op.entity == "category":
            body = CategoryCreate.model_validate({**data, "localId": local})
            cmd = categories.CreateCategory(
                owner,
                body.name,
                body.description,
                body.display_order,
                body.is_default,
                body.local_id,
            )
            return self._saved(categories.create_category(self.store, cmd))
        if op.entity == "item":
            item = ItemCreate.model_validate({**data, "localId": local})
            details = {f: getattr(item, f) for f in DETAIL_FIELDS}
            cmd = items.CreateItem(
                owner, item.category_id, item.local_id, item.quantity, details, "sync"
            )
            return self._saved(items.create_item(self.store, cmd))
        order = OrderCreate.model_validate({**data, "localId": local})
        lines = tuple(
            orders.LineRequest(
                line.item_id,
                line.quantity,
                line.model_dump(exclude={"item_id", "quantity"}, exclude_unset=True),
            )
            for line in order.items
        )
        return self._saved(
            orders.create_order(
                self.store, orders.CreateOrder(owner, lines, order.notes, order.local_id)
            )
        )

    def _update(self, op: Operation, entity_id: UUID) -> Any:
        owner, data, base = self.cmd.owner_id, self._data(op), op.base_version
        if op.entity == "category":
            body = CategoryUpdate.model_validate(data)
            cmd = categories.ReviseCategory(
                owner,
                entity_id,
                body.name,
                body.description,
                body.display_order,
                body.is_default,
                base,
            )
            return self._saved(categories.revise_category(self.store, cmd))
        if op.entity == "item":
            item = ItemUpdate.model_validate(data)
            details = {f: getattr(item, f) for f in DETAIL_FIELDS}
            cmd = items.ReviseItem(
                owner, entity_id, item.category_id, item.quantity, base, details, via="sync"
            )
            return self._saved(items.revise_item(self.store, cmd))
        if "status" not in data:
            return orders.load_order(self.store, owner, str(entity_id))
        change = StatusChange.model_validate(data)
        cmd = orders.ChangeOrderStatus(owner, str(entity_id), change.status, change.notes, base)
        return self._saved(orders.change_status(self.store, cmd))

    def _delete(self, op: Operation, entity_id: UUID | None) -> Any:
        if entity_id is None:
            raise Rejected("not_found", f"No {op.entity} with this id")
        owner, base = self.cmd.owner_id, op.base_version
        if op.entity == "category":
            return self._saved(
                categories.delete_category(
                    self.store, categories.DeleteCategory(owner, entity_id, base)
                )
            )
        if op.entity == "item":
            return self._saved(
                items.delete_item(self.store, items.DeleteItem(owner, entity_id, base, "sync"))
            )
        return self._saved(
            orders.delete_order(self.store, orders.DeleteOrder(owner, str(entity_id), base))
        )

    def _adjust(self, op: Operation, entity_id: UUID | None) -> Any:
        if op.entity != "item":
            raise Rejected("validation_error", "adjust_stock applies to items only")
        if entity_id is None:
            raise Rejected("not_found", "No item with this id")
        change = _Delta.model_validate(op.data or {})
        cmd = items.ChangeStock(
            self.cmd.owner_id, entity_id, None, change.delta, change.reason, None, "sync"
        )
        return self._saved(items.change_stock(self.store, cmd))

    def _merge(self, op: Operation, entity_id: UUID) -> tuple[Any, list[str]]:
        data = self._data(op)
        model = CategoryCreate if op.entity == "category" else ItemCreate
        body = model.model_validate(data)
        sent = {f: getattr(body, f) for f in body.model_fields_set if f not in ("local_id",)}
        cmd = merge.Merge(self.cmd.owner_id, entity_id, self._known.get(entity_id), sent)
        handler = merge.merge_category if op.entity == "category" else merge.merge_item
        merged = handler(self.store, cmd)
        self.position = max(self.position, merged.position)
        self._known[entity_id] = merged.aggregate.version
        return merged.aggregate, merged.conflicts


class _Delta(BaseModel):
    delta: int
    reason: str | None = None


@dataclass(frozen=True)
class RecordPull:
    owner_id: UUID
    session_id: UUID
    events: int
    bootstrap: bool


def record_pull(store: Store, cmd: RecordPull) -> Saved[Device]:
    """A pull, in the activity log (sync_pull)."""
    device = _device(store, cmd.owner_id, cmd.session_id)
    device.record_pull(cmd.events, cmd.bootstrap)
    return Saved.of(device, store.save(device))

"""`"mode": "ops"` pushes (API.md 8.2): explicit operations, each decided by the REST handlers,
so every rule is the same as over REST. Nothing is inferred: only a `delete` deletes.

Also the `delete` and `adjust_stock` operations of whole-state pushes, which are explicit too.
The handlers run on a unit of work that gathers what they would commit: that is the decision,
committed by command/sync/push.py with the operation's outcome.
"""

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from command.categories import handlers as categories
from command.categories.requests import CategoryCreate, CategoryUpdate
from command.items import handlers as items
from command.items.requests import ItemCreate, ItemUpdate
from command.orders import handlers as orders
from command.orders.requests import OrderCreate, StatusChange
from command.results import Saved
from command.sync.context import Context, Operation, Rejected
from command.sync.decision import Decision, applied
from command.sync.outcomes import Outcome
from command.sync.session import KIND
from command.unit_of_work import BatchedUnitOfWork
from events.attribution import Via
from events.item import MAX_QUANTITY

TYPES = ("create", "update", "delete", "adjust_stock")


def check_kind(op: Operation) -> None:
    if op.entity not in KIND:
        raise Rejected("validation_error", f"Unknown entity '{op.entity}'")
    if op.type not in TYPES:
        raise Rejected("validation_error", f"Unknown operation type '{op.type}'")


def data(ctx: Context, op: Operation) -> dict[str, Any]:
    """The operation's data with the device's ids of other entities made server ids."""
    found = dict(op.data or {})
    key = "categoryId" if "categoryId" in found else "category_id"
    if op.entity == "item" and isinstance(found.get(key), str):
        found[key] = ctx.server_ref("category", found[key])
    if op.entity == "order":
        found["items"] = [
            {**line, "itemId": ctx.server_ref("item", line["itemId"])}
            if isinstance(line, dict) and isinstance(line.get("itemId"), str)
            else line
            for line in found.get("items") or []
        ]
    return found


class OpsRules:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def committed(self, op: Operation, outcome: Outcome) -> None:
        """Nothing to learn: an ops push infers nothing from what it names."""

    def removals(self) -> list[Callable[[], Decision | None]]:
        return []  # only a `delete` deletes

    def decide(self, op: Operation) -> Decision:
        """Raises a domain exception, ValidationError or Rejected when it cannot apply."""
        check_kind(op)
        target = self.ctx.resolve(op.entity, op.refs())
        if op.type == "adjust_stock":
            return self.adjust(op, target)
        if op.type == "delete":
            return self.delete(op, target)
        if target is None:
            return self._create(op)
        return self._update(op, target)

    def _run(self, op: Operation, handler: Callable[[BatchedUnitOfWork], Saved[Any]]) -> Decision:
        """Run a REST handler on a unit of work of its own and take what it would commit
        as the decision (a retry decides again on a fresh one)."""
        uow = BatchedUnitOfWork(self.ctx.store)
        saved = handler(uow)
        aggregates, writes = uow.gathered()
        return applied(op.id, saved.aggregate, save=aggregates, writes=writes)

    def _create(self, op: Operation) -> Decision:
        owner, found = self.ctx.owner_id, data(self.ctx, op)
        local = op.local_id or found.get("localId")
        if op.entity == "category":
            category = CategoryCreate.model_validate({**found, "localId": local})
            new_category = categories.CreateCategory.from_request(category, owner)
            return self._run(op, lambda uow: categories.create_category(uow, new_category))
        if op.entity == "item":
            item = ItemCreate.model_validate({**found, "localId": local})
            new_item = items.CreateItem.from_request(item, owner, via=Via.SYNC)
            return self._run(op, lambda uow: items.create_item(uow, new_item))
        order = OrderCreate.model_validate({**found, "localId": local})
        new_order = orders.CreateOrder.from_request(order, owner)
        return self._run(op, lambda uow: orders.create_order(uow, new_order))

    def _update(self, op: Operation, entity_id: UUID) -> Decision:
        owner, found, base = self.ctx.owner_id, data(self.ctx, op), op.base_version
        if op.entity == "category":
            category = CategoryUpdate.model_validate(found)
            revision = categories.ReviseCategory.from_request(category, owner, entity_id, base)
            return self._run(op, lambda uow: categories.revise_category(uow, revision))
        if op.entity == "item":
            item = ItemUpdate.model_validate(found)
            item_revision = items.ReviseItem.from_request(
                item, owner, entity_id, base, via=Via.SYNC
            )
            return self._run(op, lambda uow: items.revise_item(uow, item_revision))
        if "status" not in found:
            order = orders.load_order(self.ctx.uow, owner, str(entity_id))
            return applied(op.id, order)
        change = StatusChange.model_validate(found)
        status = orders.ChangeOrderStatus.from_request(change, owner, str(entity_id), base)
        return self._run(op, lambda uow: orders.change_status(uow, status))

    def delete(self, op: Operation, entity_id: UUID | None) -> Decision:
        if entity_id is None:
            raise Rejected("not_found", f"No {op.entity} with this id")
        owner, base = self.ctx.owner_id, op.base_version
        if op.entity == "category":
            gone = categories.DeleteCategory(
                owner_id=owner, category_id=entity_id, expected_version=base
            )
            return self._run(op, lambda uow: categories.delete_category(uow, gone))
        if op.entity == "item":
            item = items.DeleteItem(
                owner_id=owner, item_id=entity_id, expected_version=base, via=Via.SYNC
            )
            return self._run(op, lambda uow: items.delete_item(uow, item))
        order = orders.DeleteOrder(owner_id=owner, order_ref=str(entity_id), expected_version=base)
        return self._run(op, lambda uow: orders.delete_order(uow, order))

    def adjust(self, op: Operation, entity_id: UUID | None) -> Decision:
        if op.entity != "item":
            raise Rejected("validation_error", "adjust_stock applies to items only")
        if entity_id is None:
            raise Rejected("not_found", "No item with this id")
        change = _Delta.model_validate(op.data or {})
        stock = items.ChangeStock(
            owner_id=self.ctx.owner_id,
            item_id=entity_id,
            delta=change.delta,
            reason=change.reason,
            via=Via.SYNC,
        )
        return self._run(op, lambda uow: items.change_stock(uow, stock))


class _Delta(BaseModel):
    delta: Annotated[int, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
    reason: Annotated[str, StringConstraints(max_length=255)] | None = None

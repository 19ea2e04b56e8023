"""`"mode": "ops"` pushes (API.md 8.2): explicit operations, each through the REST handlers, so
every rule is the same as over REST. Nothing is inferred: only a `delete` deletes.

Also the `delete` and `adjust_stock` operations of legacy pushes, which are explicit too.
"""

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
from command.sync.outcomes import APPLIED, Outcome
from command.sync.session import KIND
from events.item import DETAIL_FIELDS, MAX_QUANTITY

TYPES = ("create", "update", "delete", "adjust_stock")


class OpsRules:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def apply(self, op: Operation) -> Outcome:
        """Raises a domain exception, ValidationError or Rejected when it cannot apply."""
        if op.entity not in KIND:
            raise Rejected("validation_error", f"Unknown entity '{op.entity}'")
        if op.type not in TYPES:
            raise Rejected("validation_error", f"Unknown operation type '{op.type}'")
        aggregate = self._run(op, self.ctx.resolve(op.entity, op.refs()))
        return Outcome(op.id, APPLIED, aggregate.id, aggregate.version)

    def _run(self, op: Operation, entity_id: UUID | None) -> Any:
        if op.type == "adjust_stock":
            return self.adjust(op, entity_id)
        if op.type == "delete":
            return self.delete(op, entity_id)
        if entity_id is None:
            return self._create(op)
        return self._update(op, entity_id)

    def _saved(self, saved: Saved[Any]) -> Any:
        self.ctx.advance(saved.position)
        return saved.aggregate

    def data(self, op: Operation) -> dict[str, Any]:
        """The operation's data with the device's ids of other entities made server ids."""
        data = dict(op.data or {})
        key = "categoryId" if "categoryId" in data else "category_id"
        if op.entity == "item" and isinstance(data.get(key), str):
            data[key] = self.ctx.server_ref("category", data[key])
        if op.entity == "order":
            data["items"] = [
                {**line, "itemId": self.ctx.server_ref("item", line["itemId"])}
                if isinstance(line, dict) and isinstance(line.get("itemId"), str)
                else line
                for line in data.get("items") or []
            ]
        return data

    def _create(self, op: Operation) -> Any:
        owner, data = self.ctx.owner_id, self.data(op)
        local = op.local_id or data.get("localId")
        if op.entity == "category":
            body = CategoryCreate.model_validate({**data, "localId": local})
            category_cmd = categories.CreateCategory(
                owner, body.name, body.description, body.display_order, body.is_default, local
            )
            return self._saved(categories.create_category(self.ctx.uow, category_cmd))
        if op.entity == "item":
            item = ItemCreate.model_validate({**data, "localId": local})
            details = {f: getattr(item, f) for f in DETAIL_FIELDS}
            item_cmd = items.CreateItem(
                owner, item.category_id, item.local_id, item.quantity, details, "sync"
            )
            return self._saved(items.create_item(self.ctx.uow, item_cmd))
        order = OrderCreate.model_validate({**data, "localId": local})
        lines = tuple(
            orders.LineRequest(
                line.item_id,
                line.quantity,
                line.model_dump(exclude={"item_id", "quantity"}, exclude_unset=True),
            )
            for line in order.items
        )
        order_cmd = orders.CreateOrder(owner, lines, order.notes, order.local_id)
        return self._saved(orders.create_order(self.ctx.uow, order_cmd))

    def _update(self, op: Operation, entity_id: UUID) -> Any:
        owner, data, base, uow = self.ctx.owner_id, self.data(op), op.base_version, self.ctx.uow
        if op.entity == "category":
            body = CategoryUpdate.model_validate(data)
            category_cmd = categories.ReviseCategory(
                owner,
                entity_id,
                body.name,
                body.description,
                body.display_order,
                body.is_default,
                base,
            )
            return self._saved(categories.revise_category(uow, category_cmd))
        if op.entity == "item":
            item = ItemUpdate.model_validate(data)
            details = {f: getattr(item, f) for f in DETAIL_FIELDS}
            item_cmd = items.ReviseItem(
                owner, entity_id, item.category_id, item.quantity, base, details, via="sync"
            )
            return self._saved(items.revise_item(uow, item_cmd))
        if "status" not in data:
            return orders.load_order(uow, owner, str(entity_id))
        change = StatusChange.model_validate(data)
        order_cmd = orders.ChangeOrderStatus(
            owner, str(entity_id), change.status, change.notes, base
        )
        return self._saved(orders.change_status(uow, order_cmd))

    def delete(self, op: Operation, entity_id: UUID | None) -> Any:
        if entity_id is None:
            raise Rejected("not_found", f"No {op.entity} with this id")
        owner, base, uow = self.ctx.owner_id, op.base_version, self.ctx.uow
        if op.entity == "category":
            category_cmd = categories.DeleteCategory(owner, entity_id, base)
            return self._saved(categories.delete_category(uow, category_cmd))
        if op.entity == "item":
            return self._saved(
                items.delete_item(uow, items.DeleteItem(owner, entity_id, base, "sync"))
            )
        order_cmd = orders.DeleteOrder(owner, str(entity_id), base)
        return self._saved(orders.delete_order(uow, order_cmd))

    def adjust(self, op: Operation, entity_id: UUID | None) -> Any:
        if op.entity != "item":
            raise Rejected("validation_error", "adjust_stock applies to items only")
        if entity_id is None:
            raise Rejected("not_found", "No item with this id")
        change = _Delta.model_validate(op.data or {})
        cmd = items.ChangeStock(
            self.ctx.owner_id, entity_id, None, change.delta, change.reason, None, "sync"
        )
        return self._saved(items.change_stock(self.ctx.uow, cmd))


class _Delta(BaseModel):
    delta: Annotated[int, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
    reason: Annotated[str, StringConstraints(max_length=255)] | None = None

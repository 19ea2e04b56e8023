"""Whole-state pushes of the current app (no `mode`, API.md 8.5; the rules: docs/sync.md).

Every category, item and order comes as an upsert with absolute values. Each is merged
against what this device demonstrably holds (its session's base), never against what the
server merely sent it; `delete` and `adjust_stock` are explicit and run as in ops mode.
"""

from typing import Any
from uuid import UUID

from command.categories.requests import CategoryCreate
from command.items.requests import ItemCreate
from command.memberships import members_of
from command.sync import ops as explicit
from command.sync.context import Context, Operation, Rejected
from command.sync.outcomes import Outcome
from command.sync.session import FIELDS, Session, load
from command.sync.snapshot import categories, items, orders
from command.sync.snapshot.omission import remove_unnamed
from wire.ids import parse_uuid


class SnapshotRules:
    def __init__(self, ctx: Context, operations: tuple[Operation, ...]):
        named = [u for op in operations for r in op.refs() if (u := parse_uuid(r))]
        self.ctx = ctx
        ctx.expect(named)
        self.session = Session(ctx.store, ctx.owner_id, ctx.session_id, named)
        self.explicit = explicit.OpsRules(ctx)
        self.credits = orders.Credits()
        self.credited = orders.scan(ctx, self.session, list(operations), self.credits)
        self.named: dict[str, set[UUID]] = {entity: set() for entity in FIELDS}
        self.claimed: set[UUID] = set()  # household entities matched by name in this push
        self._targets: dict[str, UUID | None] = {}  # operation id -> what it resolved to
        # A one-operation push is a queue replay, never the device's whole state.
        self.whole_state = len(operations) > 1

    def saw(self, op: Operation, outcome: Outcome) -> None:
        """Every operation names its entity, whatever its outcome (a duplicate too): what a
        push names is never removed by omission."""
        if op.entity not in FIELDS:
            return
        target = (
            self._targets[op.id]
            if op.id in self._targets
            else self.ctx.resolve(op.entity, op.refs())
        )
        for entity_id in (outcome.entity_id, target):
            if entity_id is not None:
                self.named[op.entity].add(entity_id)

    def apply(self, op: Operation) -> Outcome:
        if op.entity not in FIELDS:
            raise Rejected("validation_error", f"Unknown entity '{op.entity}'")
        if op.type not in explicit.TYPES:
            raise Rejected("validation_error", f"Unknown operation type '{op.type}'")
        target = self._targets[op.id] = self.ctx.resolve(op.entity, op.refs())
        if target is not None:
            self.named[op.entity].add(target)
        if op.type in ("delete", "adjust_stock"):
            return self.explicit.apply(op)
        data = self.explicit.data(op)
        if op.entity == "order":
            body = orders.DeviceOrder.model_validate(data)
            return orders.upsert(
                self.ctx, self.session, op, body, self.credits, op.id in self.credited
            )
        local = op.local_id or data.get("localId")
        if op.entity == "category":
            return self._category(
                op, target, CategoryCreate.model_validate({**data, "localId": local})
            )
        return self._item(op, target, ItemCreate.model_validate({**data, "localId": local}))

    def _category(self, op: Operation, target: UUID | None, body: CategoryCreate) -> Outcome:
        sent = categories.sent_fields(body)
        matched = False
        if target is None and (found := categories.match(self.ctx, body.name)) is not None:
            target, matched = self._claim("category", found)
        if target is None:
            return categories.create(self.ctx, self.session, sent, body.local_id)
        return categories.merge(self.ctx, self.session, op, target, sent, matched=matched)

    def _item(self, op: Operation, target: UUID | None, body: ItemCreate) -> Outcome:
        sent = items.sent_fields(body)
        matched = False
        if target is None and not self.session.proven:  # seed data after a failed pull
            found = self._same_name(body.category_id, body.name)
            if found is not None:
                target, matched = self._claim("item", found)
        if target is None:
            whole = {f: getattr(body, f) for f in FIELDS["item"]}  # defaults for what is unsent
            return items.create(self.ctx, self.session, whole, body.local_id)
        credit, unsettled = self.credits.for_item(op.refs(), target)
        return items.merge(
            self.ctx,
            self.session,
            op,
            target,
            sent,
            matched=matched,
            credit=credit,
            unsettled=unsettled,
        )

    def _claim(self, entity: str, found: UUID) -> tuple[UUID | None, bool]:
        if found in self.claimed or found in self.named[entity]:
            return None, False
        self.claimed.add(found)
        self.named[entity].add(found)
        return found, True

    def _same_name(self, category_id: UUID, name: str) -> UUID | None:
        """The household's live item of this name in this category (seed rows match it)."""
        for item_id in members_of(self.ctx.store, category_id):
            item: Any = load(self.ctx.store, "item", item_id)
            if item is None or item.is_deleted or item.id in self.claimed:
                continue
            if item.name.strip().casefold() == name.strip().casefold():
                return item_id
        return None

    def finish(self) -> None:
        if self.whole_state:
            remove_unnamed(self.ctx, self.session, self.named)

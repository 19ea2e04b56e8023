"""Whole-state pushes of the current app (no `mode`, API.md 8.5; the rules: docs/sync.md).

Every category, item and order comes as an upsert with absolute values. Each is merged
against what this device demonstrably holds (its session's base), never against what the
server merely sent it; `delete` and `adjust_stock` are explicit and decided as in ops mode.
The rules decide; command/sync/push.py commits what they decided, then tells them
(`committed`), so a retried decision never counts twice.
"""

import functools
from collections.abc import Callable
from typing import Any
from uuid import UUID

from command.categories.requests import CategoryCreate
from command.items.requests import ItemCreate
from command.memberships import members_of
from command.sync import ops as explicit
from command.sync.context import Context, Operation
from command.sync.decision import Decision
from command.sync.outcomes import Outcome
from command.sync.session import FIELDS, Session, load
from command.sync.whole_state import categories, items, orders
from command.sync.whole_state.omission import remove, unnamed
from events.category import Category
from events.item import Item


class WholeStateRules:
    def __init__(
        self,
        ctx: Context,
        session: Session,
        operations: tuple[Operation, ...],
        *,
        late: bool,
    ):
        self.ctx, self.session = ctx, session
        self.explicit = explicit.OpsRules(ctx)
        self.credits = orders.Credits()
        self.credited = orders.scan(ctx, session, list(operations), self.credits)
        self.named: dict[str, set[UUID]] = {entity: set() for entity in FIELDS}
        self.claimed: set[UUID] = set()  # household entities matched by name in this push
        self._targets: dict[str, UUID | None] = {}  # operation id -> what it resolved to
        self._matched: dict[str, UUID] = {}  # operation id -> the entity its row matched
        # A one-operation push is a queue replay, never the device's whole state; a push
        # sent again is an old state.
        self.whole_state = len(operations) > 1 and not late

    def decide(self, op: Operation) -> Decision:
        explicit.check_kind(op)
        target = self._targets[op.id] = self.ctx.resolve(op.entity, op.refs())
        if op.type in ("delete", "adjust_stock"):
            return self.explicit.decide(op)
        data = explicit.data(self.ctx, op)
        if op.entity == "order":
            body = orders.DeviceOrder.model_validate(data)
            credited = op.id in self.credited
            return orders.upsert(self.ctx, self.session, op, body, self.credits, credited)
        local = op.local_id or data.get("localId")
        if op.entity == "category":
            category = CategoryCreate.model_validate({**data, "localId": local})
            return self._category(op, target, category)
        return self._item(op, target, ItemCreate.model_validate({**data, "localId": local}))

    def committed(self, op: Operation, outcome: Outcome) -> None:
        """Every operation names its entity, whatever its outcome (a duplicate too): what a
        push names is never removed by omission."""
        if op.entity not in FIELDS:
            return
        target = self._targets.pop(op.id, None) or self.ctx.resolve(op.entity, op.refs())
        matched = self._matched.pop(op.id, None)
        if matched is not None:
            self.claimed.add(matched)
        for entity_id in (outcome.entity_id, target, matched):
            if entity_id is not None:
                self.named[op.entity].add(entity_id)
        if op.entity == "order":
            self.credits.settle(op.id)

    def removals(self) -> list[Callable[[], Decision | None]]:
        """What the device left out and provably held, each removal decided on its own."""
        if not self.whole_state:
            return []
        return [
            functools.partial(remove, self.ctx, self.session, entity, entity_id)
            for entity, entity_id in unnamed(self.session, self.named)
        ]

    def _category(self, op: Operation, target: UUID | None, body: CategoryCreate) -> Decision:
        sent = categories.sent_fields(body)
        matched = False
        if target is None and (found := categories.match(self.ctx, body.name)) is not None:
            target = self._claim(op, found)  # the household's category of that name
            matched = target is not None
        if target is None:
            return categories.create(self.ctx, op, body)
        decision = categories.merge(self.ctx, self.session, op, target, sent, matched=matched)
        return self._remembered(op, decision, matched, target)

    def _item(self, op: Operation, target: UUID | None, body: ItemCreate) -> Decision:
        sent = items.sent_fields(body)
        matched = gone = False
        if target is None and not self.session.proven:  # seed data after a failed pull
            found = self._same_name(body.category_id, body.name)
            if found is not None and (target := self._claim(op, found.id)) is not None:
                matched, gone = True, found.is_deleted
                if gone:  # the family deleted it: only the phone's own use brings it back
                    sent = {k: v for k, v in sent.items() if k == "quantity"}
        if target is None:
            return items.create(self.ctx, op, body)
        credits = self.credits.for_item(op.refs(), target)
        decision = items.merge(
            self.ctx, self.session, op, target, sent, matched=matched, credits=credits
        )
        if gone and decision.outcome is not None and decision.outcome.status == "conflict":
            return decision  # still deleted: a replay matches the row by name again
        return self._remembered(op, decision, matched, target)

    def _claim(self, op: Operation, found: UUID) -> UUID | None:
        """A household entity is matched by name once per push, and never one it names."""
        if found in self.claimed or found in self.named[op.entity]:
            return None
        self._matched[op.id] = found
        return found

    def _remembered(
        self, op: Operation, decision: Decision, matched: bool, target: UUID
    ) -> Decision:
        """A row matched by name stands for the household's entity from now on: its ids are
        kept, so this session's later pushes and one-operation replays find it by id (API.md
        8.5 d) instead of matching anew or creating a second one."""
        if not matched:
            return decision
        refs = tuple((op.entity, ref, target) for ref in op.refs())
        return Decision(decision.outcome, decision.save, decision.writes, decision.held, refs)

    def _same_name(self, category_id: UUID, name: str) -> Item | None:
        """The household's live item of this name in this (the household's) category; else
        one created under this name and renamed since (a seed row another phone renamed);
        else such an item the family deleted (the latest), not a new one beside it."""
        category: Any = load(self.ctx.store, "category", category_id)
        if not isinstance(category, Category) or category.owner_id != self.ctx.owner_id:
            return None  # another household's category: answered as an unknown id
        key = name.strip().casefold()
        for deleted in (False, True):
            ids = members_of(self.ctx.store, category_id, deleted=deleted)
            loaded = [load(self.ctx.store, "item", i) for i in ids]
            items = [i for i in loaded if isinstance(i, Item) and i.id not in self.claimed]
            items.sort(key=lambda i: i.modified_on, reverse=True)
            for attribute in ("name", "first_name"):
                for item in items:
                    if getattr(item, attribute).strip().casefold() == key:
                        return item
        return None

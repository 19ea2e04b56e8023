"""Whole-state item rules as decisions (docs/sync.md R3-R6): given what the device holds (its
base), what it sent and the server's item, the decision — no database."""

import uuid
from typing import Any

from command.sync.context import Operation
from command.sync.receipts import Base
from command.sync.session import fields_of
from command.sync.whole_state.items import decide
from command.sync.whole_state.settle import Caller
from events.attribution import Via
from events.conflict import NO_BASE, OUT_OF_RANGE, SyncConflict
from events.item import DETAIL_FIELDS, Item

CALLER = Caller(uuid.uuid4(), uuid.uuid4())
OP = Operation("op-1", "create", "item", None, None, None, None)


def server_item(quantity: int, **details: Any) -> Item:
    """The household's item, as loaded (its creation already recorded)."""
    given: dict[str, Any] = {**dict.fromkeys(DETAIL_FIELDS), "name": "Ambu Bag", "unit": "unit"}
    given.update({"minimum_stock": 1, "is_active": True, "is_critical": False, **details})
    item = Item(
        owner_id=CALLER.owner_id,
        category_id=uuid.uuid4(),
        local_id=None,
        quantity=quantity,
        via=Via.API,
        **given,
    )
    item.collect_events()
    return item


def held_by_device(item: Item, **changes: Any) -> dict[str, Any]:
    """The device's copy: the item's fields, with its own changes."""
    return {**fields_of("item", item), **changes}


def when(
    item: Item, sent: dict[str, Any], base: Base | None, *, matched: bool = False
) -> tuple[Any, list[Any]]:
    decision = decide(
        CALLER, OP, item, sent, base, matched=matched, credits=(0, 0), live={item.category_id}
    )
    events = [e for a in decision.save for e in a.collect_events()]
    return decision, events


def test_the_devices_stock_change_lands_on_top_of_everyone_elses() -> None:
    item = server_item(94)  # another device used 6 since this one's base (100)
    base = Base(held_by_device(item, quantity=100), item.version, proven=True)
    decision, events = when(item, held_by_device(item, quantity=90), base)
    assert decision.outcome.status == "applied"
    assert [(type(e).__name__, e.delta, e.quantity) for e in events] == [("Revised", -10, 84)]
    assert decision.held[0].base.fields["quantity"] == 90  # it holds what it sent


def test_sending_back_the_base_changes_nothing() -> None:
    item = server_item(94)
    base = Base(held_by_device(item), item.version, proven=True)
    decision, events = when(item, held_by_device(item), base)
    assert (decision.outcome.status, events, decision.records()) == ("applied", [], False)


def test_without_a_base_nothing_is_overwritten_and_the_conflict_is_kept() -> None:
    item = server_item(5)
    decision, events = when(item, held_by_device(item, quantity=2, notes="from the tablet"), None)
    assert decision.outcome.status == "conflict"
    (record,) = events
    assert isinstance(record, SyncConflict.Recorded)
    assert (record.reason, [c.field for c in record.clashes]) == (NO_BASE, ["notes", "quantity"])
    assert item.quantity == 5 and item.notes is None


def test_a_seed_row_matched_by_name_counts_its_stock_from_zero() -> None:
    """A seed row's stock started at 0 on the phone: its 4 is +4. Its other values are the
    app's own, not edits of the household's: the differing one is kept, as a conflict."""
    item = server_item(5, minimum_stock=3)
    sent = held_by_device(item, quantity=4, minimum_stock=1)
    decision, events = when(item, sent, None, matched=True)
    revised, record = events
    assert (revised.delta, item.quantity, item.minimum_stock) == (4, 9, 3)
    assert [c.field for c in record.clashes] == ["minimum_stock"]
    assert decision.held[0].base.fields == sent  # later edits count from what it sent


def test_a_change_that_would_leave_the_range_is_refused_whole() -> None:
    item = server_item(999_995)
    base = Base(held_by_device(item, quantity=0), item.version, proven=True)
    decision, events = when(item, held_by_device(item, quantity=10), base)
    (record,) = events
    assert (decision.outcome.status, record.reason, item.quantity) == (
        "conflict",
        OUT_OF_RANGE,
        999_995,
    )


def test_an_item_whose_category_is_gone_does_not_come_back() -> None:
    item = server_item(3)
    item.delete(via=Via.API)
    item.collect_events()
    base = Base(held_by_device(item), item.version - 1, proven=True)  # held before deletion
    decision = decide(
        CALLER,
        OP,
        item,
        held_by_device(item, quantity=5),
        base,
        matched=False,
        credits=(0, 0),
        live=set(),
    )
    assert decision.outcome is not None and decision.outcome.status == "conflict"
    assert item.is_deleted

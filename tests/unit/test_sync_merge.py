"""The whole-state merge (command/sync/snapshot/merge.py): given what the device started from
and what the server has, when the device sends its state, then the plan."""

from command.sync.whole_state.merge import Plan, plan
from command.sync.whole_state.orders import steps
from events.conflict import CHANGED_ON_BOTH, DELETED, NO_BASE, OUT_OF_RANGE
from events.order import OrderStatus

BASE = {"name": "Saline", "notes": None, "quantity": 10}


def test_a_field_only_the_device_changed_is_taken() -> None:
    result = plan({**BASE, "notes": "fridge"}, BASE, {**BASE, "quantity": 12})
    assert result == Plan(changes={"notes": "fridge"})


def test_a_field_both_changed_keeps_the_server_value() -> None:
    result = plan({**BASE, "name": "NaCl"}, BASE, {**BASE, "name": "Saline 0.9%"})
    assert (result.changes, result.clashes, result.reason) == ({}, ("name",), CHANGED_ON_BOTH)


def test_the_same_change_on_both_sides_is_no_clash() -> None:
    assert plan({**BASE, "name": "NaCl"}, BASE, {**BASE, "name": "NaCl"}) == Plan()


def test_stock_merges_as_the_devices_delta_on_top_of_everyone_elses() -> None:
    result = plan({**BASE, "quantity": 7}, BASE, {**BASE, "quantity": 15})
    assert (result.delta, result.clashes) == (-3, ())


def test_a_device_that_matches_the_server_by_chance_still_counts_its_change() -> None:
    # The device took 10 -> 12 while another added 2: both count (14), although 12 == 12.
    assert plan({**BASE, "quantity": 12}, BASE, {**BASE, "quantity": 12}).delta == 2


def test_stock_already_counted_by_an_order_apply_is_not_counted_twice() -> None:
    assert plan({**BASE, "quantity": 16}, BASE, {**BASE, "quantity": 15}, credit=5).delta == 1


def test_a_delta_that_would_leave_the_range_is_a_clash_and_applies_nothing() -> None:
    result = plan({**BASE, "quantity": 0}, BASE, {**BASE, "quantity": 4})
    assert (result.delta, result.clashes, result.reason) == (0, ("quantity",), OUT_OF_RANGE)


def test_without_a_base_nothing_is_overwritten() -> None:
    result = plan({**BASE, "quantity": 0, "notes": "x"}, None, BASE)
    assert result == Plan(clashes=("notes", "quantity"), reason=NO_BASE)
    assert plan(BASE, None, BASE) == Plan()


def test_an_edit_revives_a_deleted_entity_and_an_unchanged_copy_does_not() -> None:
    edited = plan({**BASE, "notes": "keep"}, BASE, BASE, deleted=True)
    assert (edited.revive, edited.changes) == (True, {"notes": "keep"})
    unchanged = plan(BASE, BASE, BASE, deleted=True)
    assert (unchanged.revive, unchanged.reason) == (False, DELETED)
    assert plan({**BASE, "notes": "keep"}, None, BASE, deleted=True).reason == DELETED


def test_orders_move_along_the_status_table_as_far_as_the_device_got() -> None:
    assert steps(OrderStatus.PENDING, OrderStatus.STOCK_UPDATED) == ["received", "stock_updated"]
    assert steps(OrderStatus.ORDERED, OrderStatus.RECEIVED) == ["received"]
    assert steps(OrderStatus.RECEIVED, OrderStatus.RECEIVED) == []
    assert steps(OrderStatus.DECLINED, OrderStatus.RECEIVED) is None
    assert steps(OrderStatus.STOCK_UPDATED, OrderStatus.RECEIVED) is None

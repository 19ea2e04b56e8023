"""Item and Order rules in given / when / then form (tests/unit/gwt.py), and the merge of a
whole-state push (command/sync/whole_state/merge.py) as given base, device and server."""

from command.sync.whole_state.merge import Plan, plan
from events.attribution import Via
from events.conflict import CHANGED_ON_BOTH, NO_BASE
from events.item import InsufficientStock, Item, StockLimitExceeded
from events.order import AlreadyApplied, InvalidTransition, Order, OrderStatus
from tests.unit.gwt import Given
from tests.unit.test_item import saline
from tests.unit.test_order import pending


def test_given_three_when_two_are_used_then_one_stock_event_leaves_one() -> None:
    Given(saline(3)).when(lambda i: i.adjust_stock(-2, "used", via=Via.API)).events(
        (Item.StockAdjusted, {"delta": -2, "quantity": 1, "reason": "used"})
    )


def test_given_a_used_item_when_more_than_is_left_is_used_then_it_is_refused() -> None:
    given = Given(saline(3), lambda i: i.adjust_stock(-2, "used", via=Via.API))
    given.when(lambda i: i.adjust_stock(-2, "used", via=Via.API)).refused(InsufficientStock)


def test_given_a_full_shelf_when_stock_would_pass_the_limit_then_it_is_refused() -> None:
    Given(saline(999_999)).when(lambda i: i.adjust_stock(1, None, via=Via.API)).refused(
        StockLimitExceeded
    )


def test_given_a_deleted_item_when_revived_then_it_is_back_with_its_history() -> None:
    given = Given(saline(3), lambda i: i.delete(via=Via.SYNC))
    given.when(lambda i: i.revive(via=Via.SYNC)).events((Item.Revived, {"via": "sync"}))
    assert not given.aggregate.is_deleted and given.aggregate.quantity == 3


def test_given_a_pending_order_when_received_then_applied_once() -> None:
    given = Given(pending())
    given.when(lambda o: o.change_status(OrderStatus.RECEIVED, None, via=Via.API)).events(
        (Order.StatusChanged, {"status": "received"})
    )
    given.when(lambda o: o.record_applied((), (), via=Via.DEVICE)).events(
        (Order.Applied, {"via": "device"})
    )
    given.when(lambda o: o.record_applied((), (), via=Via.API)).refused(AlreadyApplied)


def test_given_a_pending_order_when_it_skips_to_stock_updated_then_it_is_refused() -> None:
    Given(pending()).when(
        lambda o: o.change_status(OrderStatus.STOCK_UPDATED, None, via=Via.API)
    ).refused(InvalidTransition)


def test_given_a_base_when_the_device_and_another_change_stock_then_both_count() -> None:
    base, server = {"quantity": 100}, {"quantity": 94}  # another device used 6
    assert plan({"quantity": 90}, base, server) == Plan(delta=-10)


def test_given_a_base_when_both_change_one_field_then_the_server_keeps_it() -> None:
    base = {"name": "Gauze", "quantity": 5}
    merged = plan({"name": "Gauze pads", "quantity": 5}, base, {"name": "Gauze 5cm", "quantity": 5})
    assert (merged.changes, merged.clashes, merged.reason) == ({}, ("name",), CHANGED_ON_BOTH)


def test_given_a_seed_rows_stock_only_when_other_values_differ_then_only_stock_merges() -> None:
    merged = plan({"quantity": 4, "unit": "unit"}, {"quantity": 0}, {"quantity": 5, "unit": "x"})
    assert (merged.delta, merged.clashes, merged.reason) == (4, ("unit",), NO_BASE)

"""Item rules: given an item, when one edit, then exactly one event."""

import uuid

import orjson
import pytest

from events.attribution import Via
from events.item import (
    InsufficientStock,
    Item,
    ItemDetails,
    ItemEdit,
    ItemNotFound,
    StockLimitExceeded,
)
from events.store import build_mapper


def saline(quantity: int = 3) -> Item:
    return Item.add(
        owner_id=uuid.uuid4(),
        category_id=uuid.uuid4(),
        local_id=None,
        quantity=quantity,
        details=ItemDetails(name="Saline", unit="bottles", minimum_stock=2),
        via=Via.API,
    )


def test_details_category_and_stock_change_as_one_event() -> None:
    item = saline()
    item.collect_events()
    airway = uuid.uuid4()
    edit = ItemEdit(name="Saline 0.9%", unit="bottles")
    assert item.revise(edit, Via.API, category_id=airway, delta=4)
    (event,) = item.collect_events()
    assert isinstance(event, Item.Revised)
    assert (event.name, event.unit, event.category_id) == ("Saline 0.9%", None, airway)
    assert (event.delta, event.quantity, item.quantity, item.version) == (4, 7, 7, 2)


def test_an_edit_that_changes_nothing_records_nothing() -> None:
    item = saline()
    item.collect_events()
    assert not item.revise(ItemEdit(name="Saline"), Via.API, category_id=item.category_id)
    assert item.collect_events() == []


def test_an_edit_below_zero_stock_is_refused_whole() -> None:
    item = saline(quantity=1)
    item.collect_events()
    with pytest.raises(InsufficientStock):
        item.revise(ItemEdit(name="Other"), Via.API, delta=-2)
    assert (item.collect_events(), item.name) == ([], "Saline")


def test_an_edit_stored_before_version_2_loads_as_details_only() -> None:
    item = saline()
    item.revise(ItemEdit(notes="fridge"), Via.API)
    _, revised = item.collect_events()
    mapper = build_mapper()
    stored = mapper.to_stored_event(revised)
    state = orjson.loads(stored.state)
    for new in ("category_id", "delta", "quantity", "class_version"):
        del state[new]
    old = type(stored)(
        stored.originator_id, stored.originator_version, stored.topic, orjson.dumps(state)
    )
    upcast = mapper.to_domain_event(old)
    assert isinstance(upcast, Item.Revised)
    assert (upcast.notes, upcast.category_id, upcast.delta, upcast.quantity) == (
        "fridge",
        None,
        None,
        None,
    )


def test_stock_moves_by_deltas_within_0_and_999999() -> None:
    item = saline(quantity=3)
    item.collect_events()
    item.adjust_stock(-3, "used", via=Via.API)
    item.set_stock(999_999, "count", via=Via.API)
    first, second = item.collect_events()
    assert isinstance(first, Item.StockAdjusted) and isinstance(second, Item.StockAdjusted)
    assert (first.delta, first.quantity, second.delta, second.quantity) == (-3, 0, 999_999, 999_999)
    with pytest.raises(StockLimitExceeded):
        item.adjust_stock(1, None, via=Via.API)
    with pytest.raises(InsufficientStock):
        item.set_stock(-1, None, via=Via.API)
    assert (item.quantity, item.collect_events()) == (999_999, [])


def test_a_zero_delta_records_nothing_and_a_deleted_item_takes_no_stock() -> None:
    item = saline()
    item.collect_events()
    item.adjust_stock(0, "nothing", via=Via.API)
    assert item.collect_events() == []
    item.delete(via=Via.API)
    with pytest.raises(ItemNotFound):
        item.adjust_stock(1, None, via=Via.API)

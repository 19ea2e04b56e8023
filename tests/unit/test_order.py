"""Order rules: given an order, when a status change or an apply, then the events."""

import uuid
from datetime import date
from typing import get_args

import pytest

from command.orders import requests
from events.attribution import Via
from events.order import (
    AlreadyApplied,
    AppliedLine,
    InvalidTransition,
    Order,
    OrderDay,
    OrderLine,
    OrderStatus,
)
from query.orders import routes as order_queries


def pending() -> Order:
    line = OrderLine(
        id=uuid.uuid4(),
        item_id=uuid.uuid4(),
        name="Saline",
        brand=None,
        unit="bottles",
        quantity=4,
        current_stock=1,
        minimum_stock=2,
        category_name=None,
        supplier_name=None,
        purchase_link=None,
        image_uri=None,
        is_essential=False,
        notes=None,
    )
    order = Order(
        owner_id=uuid.uuid4(),
        order_number="ORD-20261201-0001",
        local_id=None,
        notes=None,
        lines=(line,),
        via=Via.API,
    )
    order.collect_events()
    return order


def test_a_pending_order_can_be_received_directly_as_the_app_does() -> None:
    order = pending()
    assert order.change_status(OrderStatus.RECEIVED, None, via=Via.API)
    (event,) = order.collect_events()
    assert isinstance(event, Order.StatusChanged)
    assert (type(event), event.status, order.received_at) == (
        Order.StatusChanged,
        "received",
        event.timestamp,
    )


def test_the_same_status_again_records_nothing_and_the_table_is_enforced() -> None:
    order = pending()
    assert not order.change_status(OrderStatus.PENDING, None, via=Via.API)
    assert order.collect_events() == []
    for refused in (OrderStatus.STOCK_UPDATED, OrderStatus.PARTIALLY_RECEIVED):
        with pytest.raises(InvalidTransition):
            order.change_status(refused, None, via=Via.API)
    order.change_status(OrderStatus.DECLINED, None, via=Via.API)
    with pytest.raises(InvalidTransition):
        order.change_status(OrderStatus.RECEIVED, None, via=Via.API)


def test_a_received_order_is_applied_once() -> None:
    order = pending()
    with pytest.raises(InvalidTransition):
        order.record_applied((), (), via=Via.API)  # not received yet
    order.change_status(OrderStatus.RECEIVED, None, via=Via.API)
    line = order.lines[0]
    order.record_applied((AppliedLine(line.item_id, line.quantity),), (), via=Via.API)
    applied = order.collect_events()[-1]
    assert isinstance(applied, Order.Applied)
    assert (type(applied), order.status, applied.via) == (Order.Applied, "stock_updated", "api")
    with pytest.raises(AlreadyApplied):
        order.record_applied((), (), via=Via.DEVICE)


def test_orders_are_numbered_per_owner_and_day() -> None:
    day = OrderDay(owner_id=uuid.uuid4(), day=date(2026, 12, 1))
    assert [day.issue_number() for _ in range(3)] == [
        "ORD-20261201-0001",
        "ORD-20261201-0002",
        "ORD-20261201-0003",
    ]
    assert OrderDay.create_id(day.owner_id, day.day) == OrderDay.create_id(day.owner_id, day.day)


def test_the_wire_spells_the_statuses_as_the_domain_does() -> None:
    """The wire (and the query side) may not import the domain: their spelling is checked."""
    domain = tuple(OrderStatus)
    assert get_args(requests.Status) == domain
    assert get_args(order_queries.Status) == domain

"""The replay decoder must read stored events exactly as the library's own decoder does."""

import uuid
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Mapper

from events.attribution import Via
from events.item import DETAIL_FIELDS, Item
from events.order import Order, OrderLine
from events.store import build_mapper, register_transcodings


def library_mapper() -> Mapper[uuid.UUID]:
    transcoder = JSONTranscoder()
    register_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


def test_fast_decoding_equals_the_librarys_for_every_value_type() -> None:
    details: dict[str, Any] = dict.fromkeys(DETAIL_FIELDS)
    details.update(name="Saline", unit="ml", minimum_stock=2, is_active=True, is_critical=False)
    details["expiry_date"] = date(2027, 1, 31)
    item = Item(
        owner_id=uuid.uuid4(),
        category_id=uuid.uuid4(),
        local_id="x",
        quantity=3,
        via=Via.API,
        **details,
    )
    item.adjust_stock(-1, "used", via=Via.API)
    line = OrderLine(
        uuid.uuid4(), item.id, "Saline", None, "ml", 4, 2, 2, None, None, None, None, True, None
    )
    order = Order(
        owner_id=item.owner_id,
        order_number="ORD-1",
        local_id=None,
        notes="n",
        lines=(line,),
        via=Via.API,
    )
    reference, fast = library_mapper(), build_mapper()
    for event in [*item.collect_events(), *order.collect_events()]:
        stored = reference.to_stored_event(event)
        assert vars(fast.to_domain_event(stored)) == vars(reference.to_domain_event(stored))


def test_uuids_revived_fast_are_the_same_uuids() -> None:
    mapper, library = build_mapper(), library_mapper()
    details: dict[str, Any] = {
        **dict.fromkeys(DETAIL_FIELDS),
        "name": "x",
        "unit": "ml",
        "minimum_stock": 0,
    }
    for _ in range(100):
        item = Item(
            owner_id=uuid.uuid4(),
            category_id=uuid.uuid4(),
            local_id=None,
            quantity=0,
            via=Via.API,
            **details,
        )
        stored = library.to_stored_event(item.collect_events()[0])
        fast, slow = mapper.to_domain_event(stored), library.to_domain_event(stored)
        assert isinstance(fast, Item.Created) and isinstance(slow, Item.Created)
        assert (fast.owner_id, fast.category_id) == (slow.owner_id, slow.category_id)
        assert str(fast.owner_id) == str(slow.owner_id) and hash(fast.owner_id) == hash(
            slow.owner_id
        )
        assert fast.owner_id.version == 4 and isinstance(fast.owner_id, uuid.UUID)

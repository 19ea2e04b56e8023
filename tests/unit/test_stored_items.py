"""Items stored before lead times and stock-take notes (the log as it is today) still load:
every stored version is upcast, by the library's decoder and the replays' alike."""

import uuid
from typing import Any, cast

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from events.attribution import Via
from events.item import Item, ItemEdit
from events.store import build_mapper, register_transcodings

# Written by the code before this change (an item created, used, revised with a stock change,
# deleted and revived; then its snapshot), byte for byte as the table holds them.
STORED = [
    (
        "events.item:Item.Created",
        '{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-07T14:56:33.667262+00:00"},"originator_topic":"events.item:Item","owner_id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000001"},"category_id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000002"},"local_id":"x","name":"Saline","description":null,"quantity":3,"unit":"ml","minimum_stock":2,"expiry_date":{"_type_":"date_iso","_data_":"2027-01-31"},"brand":null,"notes":null,"supplier_name":null,"supplier_contact":null,"purchase_link":null,"image_uri":null,"is_active":true,"is_critical":false,"via":"api"}',
    ),
    (
        "events.item:Item.StockAdjusted",
        '{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-07T14:56:33.667372+00:00"},"owner_id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000001"},"delta":-1,"quantity":2,"reason":"used","via":"api"}',
    ),
    (
        "events.item:Item.Revised",
        '{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-07T14:56:33.667407+00:00"},"owner_id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000001"},"name":null,"description":null,"unit":null,"minimum_stock":null,"expiry_date":null,"brand":null,"notes":"n","supplier_name":null,"supplier_contact":null,"purchase_link":null,"image_uri":null,"is_active":null,"is_critical":null,"cleared":[],"category_id":null,"delta":2,"quantity":4,"via":"api","class_version":2}',
    ),
    (
        "events.item:Item.Deleted",
        '{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-07T14:56:33.667431+00:00"},"owner_id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000001"},"via":"api"}',
    ),
    (
        "events.item:Item.Revived",
        '{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-07T14:56:33.667449+00:00"},"owner_id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000001"},"category_id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000002"},"local_id":"x","name":"Saline","description":null,"quantity":4,"unit":"ml","minimum_stock":2,"expiry_date":{"_type_":"date_iso","_data_":"2027-01-31"},"brand":null,"notes":"n","supplier_name":null,"supplier_contact":null,"purchase_link":null,"image_uri":null,"is_active":true,"is_critical":false,"originally_created":{"_type_":"datetime_iso","_data_":"2026-12-07T14:56:33.667262+00:00"},"via":"sync"}',
    ),
    (
        "eventsourcing.domain:Snapshot",
        '{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-07T14:56:33.667733+00:00"},"topic":"events.item:Item","state":{"_created_on":{"_type_":"datetime_iso","_data_":"2026-12-07T14:56:33.667262+00:00"},"_modified_on":{"_type_":"datetime_iso","_data_":"2026-12-07T14:56:33.667449+00:00"},"owner_id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000001"},"category_id":{"_type_":"uuid_hex","_data_":"00000000000000000000000000000002"},"local_id":"x","name":"Saline","first_name":"Saline","description":null,"quantity":4,"unit":"ml","minimum_stock":2,"expiry_date":{"_type_":"date_iso","_data_":"2027-01-31"},"brand":null,"notes":"n","supplier_name":null,"supplier_contact":null,"purchase_link":null,"image_uri":null,"is_active":true,"is_critical":false,"is_deleted":false,"class_version":2}}',
    ),
]


def mappers() -> list[Mapper[Any]]:
    library = JSONTranscoder()
    register_transcodings(library)
    return [Mapper(transcoder=library), build_mapper()]


@pytest.mark.parametrize("mapper", mappers(), ids=["library", "replay"])
def test_stored_item_events_load_with_no_lead_time_and_no_note(mapper: Mapper[Any]) -> None:
    item_id = uuid.uuid4()
    events: list[Any] = [
        mapper.to_domain_event(StoredEvent(item_id, n + 1, topic, state.encode()))
        for n, (topic, state) in enumerate(STORED[:-1])
    ]
    created, used, revised, _deleted, revived = events
    assert (created.lead_time_days, revised.lead_time_days, revived.lead_time_days) == (None,) * 3
    assert (used.note, used.reason, revised.delta) == (None, "used", 2)
    item: Any = None
    for event in events:
        item = event.mutate(item)
    assert isinstance(item, Item)
    assert (item.lead_time_days, item.quantity, item.notes, item.is_deleted) == (
        None,
        4,
        "n",
        False,
    )


@pytest.mark.parametrize("mapper", mappers(), ids=["library", "replay"])
def test_a_stored_snapshot_loads_with_no_lead_time(mapper: Mapper[Any]) -> None:
    topic, state = STORED[-1]
    snapshot: Any = mapper.to_domain_event(StoredEvent(uuid.uuid4(), 5, topic, state.encode()))
    assert isinstance(snapshot, Snapshot)
    item = snapshot.mutate(None)
    assert isinstance(item, Item)
    assert (item.lead_time_days, item.first_name, item.quantity) == (None, "Saline", 4)


def test_an_item_stored_now_keeps_its_lead_time_and_note() -> None:
    mapper = build_mapper()
    topic, state = STORED[0]
    created: Any = mapper.to_domain_event(StoredEvent(uuid.uuid4(), 1, topic, state.encode()))
    item = created.mutate(None)
    item.revise(ItemEdit(lead_time_days=5), Via.API)
    item.set_stock(1, "stocktake", via=Via.API, note="shelf count")
    stored = [mapper.to_stored_event(e) for e in item.collect_events()]
    revised, counted = (cast(Any, mapper.to_domain_event(e)) for e in stored)
    assert (revised.lead_time_days, counted.note, counted.delta) == (5, "shelf count", -2)

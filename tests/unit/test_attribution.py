"""What attribution relies on in the event library (events/attribution.py): an event stamped
after it was triggered keeps the stamp through the mapper, and an event stored without one
reads None. Fails if an upgrade of eventsourcing changes how events are stored or restored."""

import uuid

from events.attribution import actor_of, attribute
from events.store import build_mapper
from tests.unit.internals import a_category


def test_a_stamped_actor_is_stored_with_the_event_and_restored() -> None:
    mapper = build_mapper()
    category = a_category()
    (event,) = category.collect_events()
    nurse = uuid.uuid4()
    attribute(event, nurse)
    stored = mapper.to_stored_event(event)
    assert nurse.hex.encode() in stored.state
    assert actor_of(mapper.to_domain_event(stored)) == nurse


def test_an_event_stored_without_an_actor_reads_none() -> None:
    mapper = build_mapper()
    (event,) = a_category().collect_events()
    restored = mapper.to_domain_event(mapper.to_stored_event(event))
    assert actor_of(restored) is None
    assert restored.originator_id == event.originator_id

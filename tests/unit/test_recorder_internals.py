"""What the recorder (events/recorder.py) relies on in eventsourcing 9.5.6: it replaces the
library's insert and takes its table lock. Fails if an upgrade changes any of that."""

import inspect
from inspect import Parameter
from typing import Any

from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder

from events.recorder import Recorder
from events.store import SideWrite
from tests.unit.internals import a_category, in_memory_store, parameters


def test_the_insert_we_replace_takes_the_events_and_keyword_arguments() -> None:
    assert parameters(PostgresApplicationRecorder.insert_events) == [
        ("self", Parameter.POSITIONAL_OR_KEYWORD),
        ("stored_events", Parameter.POSITIONAL_OR_KEYWORD),
        ("kwargs", Parameter.VAR_KEYWORD),
    ]
    assert Recorder.insert_events is not PostgresApplicationRecorder.insert_events


def test_save_hands_its_keyword_arguments_to_the_recorders_insert() -> None:
    store = in_memory_store()
    seen: list[dict[str, Any]] = []
    library_insert = store.recorder.insert_events

    def insert(stored_events: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return library_insert(stored_events, **kwargs)

    store.recorder.insert_events = insert  # type: ignore[method-assign]  # the library's object
    row = SideWrite("SELECT 1", ())
    store.save(a_category(), side_writes=(row,))
    assert [kwargs["side_writes"] for kwargs in seen] == [(row,)]
    store.close()


def test_the_private_table_lock_and_the_insert_pieces_are_there() -> None:
    assert parameters(PostgresApplicationRecorder._lock_table) == [
        ("self", Parameter.POSITIONAL_OR_KEYWORD),
        ("curs", Parameter.POSITIONAL_OR_KEYWORD),
    ]
    assert [
        name for name, _ in parameters(PostgresAggregateRecorder.construct_pg_stored_event)
    ] == [
        "self",
        "originator_id",
        "originator_version",
        "topic",
        "state",
    ]
    # Each insert answers its notification ids; the table's name is its NOTIFY channel.
    init = inspect.getsource(PostgresApplicationRecorder.__init__)
    assert 'self.insert_events_statement += SQL(" RETURNING notification_id")' in init
    assert 'self.channel_name = self.events_table_name.replace(".", "_")' in init
    assert "self.insert_events_statement = SQL(" in inspect.getsource(
        PostgresAggregateRecorder.__init__
    )

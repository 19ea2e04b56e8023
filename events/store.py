"""The event store every command goes through: one eventsourcing Application on PostgreSQL.

Library internals relied on (checked against eventsourcing 9.5.6 and CPython 3.11), here
alone: `construct_repository` rebuilds the library's repository as ours from its `cache`,
`fastforward`, `fastforward_skipping` and `deepcopy_from_cache`; `forget_cached` replaces
`repository.cache`, which every `get()` reads afresh; FastReadTranscoder reads the JSON
transcoder's `names` and its {"_type_", "_data_"} format; `_uuid_from_hex` fills a UUID's
slots (`int`, `is_safe`) with object.__new__. Held by tests/unit/test_store_internals.py and
tests/unit/test_fast_decoding.py.
"""

from datetime import date
from typing import Any, NamedTuple
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.application import Application, LRUCache
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    Transcoder,
    Transcoding,
    UUIDAsHex,
)
from eventsourcing.utils import get_topic

from events.conflict import Clash
from events.device import Device
from events.household import HouseholdSettings, Invitation
from events.item import Item
from events.order import AppliedLine, Order, OrderLine
from events.recorder import Recorder
from events.repository import BatchRepository
from events.stocktake import Counted
from events.user import User

APP_NAME = "VitalTrack"
SNAPSHOT_INTERVAL = 100  # events between snapshots of one aggregate
EVENTS_TABLE = "vitaltrack_events"  # the library names it <app name>_events
SNAPSHOTS_TABLE = "vitaltrack_snapshots"


class SideWrite(NamedTuple):
    """An operational row (credentials, sessions, ...) written in the events' transaction."""

    sql: str
    params: tuple[Any, ...]


class DateAsISO(Transcoding):
    """Calendar dates (expiry dates) as YYYY-MM-DD."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class DataclassAsDict(Transcoding):
    """A frozen value object nested in events (order lines), by its fields."""

    def __init__(self, cls: type[Any]):
        self.type = cls
        self.name = cls.__qualname__

    def encode(self, obj: Any) -> dict[str, Any]:
        return dict(vars(obj))

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class FastReadTranscoder(JSONTranscoder):
    """The library's JSON format, parsed with orjson: replays and loads are mostly decoding.

    Writing is unchanged (the library's encoder), so stored events keep their exact format;
    nested {"_type_", "_data_"} objects are revived inner-first, as the library's hook does.
    """

    def decode(self, data: bytes) -> Any:
        return self._revive(orjson.loads(data))

    def _revive(self, value: Any) -> Any:
        # Hot path of every replay and load: only containers are visited, dicts are revised
        # in place, and typed leaves (mostly UUIDs) are revived without a call per value.
        if type(value) is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return self._typed(value)
            for key, item in value.items():
                if type(item) is dict:
                    if len(item) == 2 and "_type_" in item and "_data_" in item:
                        value[key] = self._typed(item)
                    else:
                        value[key] = self._revive(item)
                elif type(item) is list:
                    value[key] = self._revive(item)
            return value
        if type(value) is list:
            return [self._revive(v) if type(v) is dict or type(v) is list else v for v in value]
        return value

    def _typed(self, value: dict[str, Any]) -> Any:
        name, data = value["_type_"], value["_data_"]
        if name == "uuid_hex" and type(data) is str and len(data) == 32:
            return _uuid_from_hex(data)
        if type(data) is dict or type(data) is list:
            data = self._revive(data)
        return self.names[name].decode(data)


UNKNOWN_SAFETY = SafeUUID.unknown  # read once: an enum member lookup costs a descriptor call


def _uuid_from_hex(data: str) -> UUID:
    """UUID(data) without its parsing of other spellings: the library stores 32 hex digits.
    int() still refuses anything that is not hex."""
    uuid = object.__new__(UUID)
    object.__setattr__(uuid, "int", int(data, 16))
    object.__setattr__(uuid, "is_safe", UNKNOWN_SAFETY)
    return uuid


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """The value types our events carry."""
    transcoder.register(UUIDAsHex())
    transcoder.register(DecimalAsStr())
    transcoder.register(DatetimeAsISO())
    transcoder.register(DateAsISO())
    transcoder.register(DataclassAsDict(OrderLine))
    transcoder.register(DataclassAsDict(AppliedLine))
    transcoder.register(DataclassAsDict(Clash))
    transcoder.register(DataclassAsDict(HouseholdSettings))
    transcoder.register(DataclassAsDict(Invitation))
    transcoder.register(DataclassAsDict(Counted))


def build_mapper() -> Mapper[Any]:
    """A mapper that decodes stored events without a database (for projections and audits)."""
    transcoder = FastReadTranscoder()
    register_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


class Store(Application[Any]):
    """Loads and saves aggregates; tables are created by migrations, never at run time."""

    name = APP_NAME
    env = {  # noqa: RUF012 - the library reads this class attribute
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "CREATE_TABLE": "n",
        "APPLICATION_RECORDER_TOPIC": get_topic(Recorder),
        # Cached aggregates are fast-forwarded from the store on every get, so
        # the cache stays correct with several API processes writing.
        "AGGREGATE_CACHE_MAXSIZE": "10000",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
    }

    def construct_repository(self) -> BatchRepository:
        library = super().construct_repository()  # reads the settings above
        cache = library.cache
        unbounded = None if cache is None else 0
        return BatchRepository(
            event_store=library.event_store,
            snapshot_store=library.snapshot_store,
            cache_maxsize=cache.maxsize if isinstance(cache, LRUCache) else unbounded,
            fastforward=library.fastforward,
            fastforward_skipping=library.fastforward_skipping,
            deepcopy_from_cache=library.deepcopy_from_cache,
        )

    @property
    def repository(self) -> BatchRepository:
        repository = super().repository
        assert isinstance(repository, BatchRepository)
        return repository

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastReadTranscoder()
        register_transcodings(transcoder)
        return transcoder

    # Items gain a stock event per change for years, devices one per sync push: load time
    # must not grow with that.
    snapshotting_intervals = dict.fromkeys((Item, Order, User, Device), SNAPSHOT_INTERVAL)

    def forget_cached(self) -> None:
        """Drop every cached aggregate (after an erasure, whose events are gone). A new cache,
        not clear(): the library's LRUCache.clear() resets its queue but keeps its entries."""
        if isinstance(self.repository.cache, LRUCache):
            self.repository.cache = LRUCache(maxsize=self.repository.cache.maxsize)

"""The three-way merge of a whole-state push (API.md 8.5 c, h), as a pure function.

`sent` is what the device holds now, `base` what it started from (what it demonstrably
received, or what it last sent), `current` the server's state. A field the device changed is
taken if nobody else changed it; a field both changed keeps the server's value (a clash).
Stock merges as a delta: the device's change on top of everyone else's. Without a base nothing
the device sends may overwrite the server: every difference is a clash. A base may know some
fields only (a seed row's stock starts at 0, its other values are the app's): the fields it
lacks are treated as having no base.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from events.conflict import CHANGED_ON_BOTH, DELETED, NO_BASE, OUT_OF_RANGE
from events.item import MAX_QUANTITY

QUANTITY = "quantity"


@dataclass(frozen=True)
class Plan:
    changes: dict[str, Any] = field(default_factory=dict)  # field -> new value (not stock)
    delta: int = 0  # stock change to apply
    clashes: tuple[str, ...] = ()  # fields whose device value was not taken
    reason: str | None = None  # why, when there are clashes
    revive: bool = False  # the entity is deleted and the device edited it: bring it back


def plan(
    sent: Mapping[str, Any],
    base: Mapping[str, Any] | None,
    current: Mapping[str, Any],
    *,
    deleted: bool = False,
    credit: int = 0,
) -> Plan:
    """What to do with `sent`. `credit` is stock in `sent` the server already counted (an
    order this device applied locally that was applied on the server too): not counted twice."""
    if base is None:
        return _without_base(sent, current, deleted, credit)
    changes, clashes, unknown = {}, [], []
    for name, value in sent.items():
        if name == QUANTITY:
            continue
        if name not in base:
            if value != current.get(name):
                unknown.append(name)
        elif value == base[name]:
            continue
        elif current.get(name) == base[name]:
            changes[name] = value
        elif current.get(name) != value:
            clashes.append(name)
    delta = 0
    if QUANTITY in sent and QUANTITY in base:
        delta = sent[QUANTITY] - credit - base[QUANTITY]
    elif QUANTITY in sent and sent[QUANTITY] - credit != current.get(QUANTITY):
        unknown.append(QUANTITY)
    reason = CHANGED_ON_BOTH if clashes else NO_BASE if unknown else None
    clashes += unknown
    if delta and not 0 <= current[QUANTITY] + delta <= MAX_QUANTITY:
        clashes.append(QUANTITY)
        reason, delta = reason or OUT_OF_RANGE, 0
    if deleted and not (changes or delta or clashes):
        return Plan(clashes=tuple(sorted(sent)), reason=DELETED)
    return Plan(changes, delta, tuple(clashes), reason, revive=deleted)


def _without_base(
    sent: Mapping[str, Any], current: Mapping[str, Any], deleted: bool, credit: int
) -> Plan:
    if deleted:
        return Plan(clashes=tuple(sorted(sent)), reason=DELETED)
    clashes = tuple(
        name
        for name, value in sent.items()
        if (value - credit if name == QUANTITY else value) != current.get(name)
    )
    return Plan(clashes=clashes, reason=NO_BASE if clashes else None)

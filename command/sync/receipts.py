"""Which state of an entity a device holds, from what the session knows of its pulls (pure).

Candidates, newest first: the versions the session's last pulls delivered, and what the
device itself last sent. A delivery counts only if it came after the device last sent the
entity, and only as far as its answer is known or may be presumed to have arrived
(docs/sync.md R1-R3):
- arrived: the device sent back a token of that answer (or of a later one), or names the
  version, or sends back exactly the values delivered;
- lost: it sent back the token of an earlier answer after this one;
- a bootstrap's answer is never presumed (a lost one looks like a new account: the app falls
  back to its seed data); a later pull's answer is presumed to have arrived unless shown lost.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Delivery:
    version: int
    seq: int  # the pull that delivered it


@dataclass(frozen=True)
class Pulls:
    """The session's pulls: the latest bootstrap, the proven watermark, the lost ones."""

    era: int  # sequence number of the latest bootstrap (0: none)
    proven: int  # every pull up to this one arrived, except those known lost
    lost: frozenset[int]

    def arrived(self, seq: int) -> bool:
        return self.era <= seq <= self.proven and seq not in self.lost


@dataclass(frozen=True)
class Shown:
    """What an operation shows of the device's copy: the values it sent, and the server
    version it names (`baseVersion`, or the resource's own `version`), if any."""

    sent: Mapping[str, Any]
    version: int | None = None

    def matches(self, fields: Mapping[str, Any]) -> bool:
        return all(fields.get(name) == value for name, value in self.sent.items())


@dataclass(frozen=True)
class Base:
    """A state of an entity the device holds: what the merge starts from."""

    fields: Mapping[str, Any]  # may lack fields nothing proves (see merge.plan)
    version: int  # the server version it corresponds to
    proven: bool  # the device demonstrably holds the server's state (not only its own values)


def choose(
    deliveries: list[Delivery],
    sent: Base | None,
    sent_seq: int,
    pulls: Pulls,
    fields_at: Callable[[int], Mapping[str, Any]],
    shown: Shown | None = None,
) -> Base | None:
    """The state the device holds, if anything proves (or lets us presume) it: `sent` is
    what it last sent (at `sent_seq`), `deliveries` what pulls gave it (oldest first),
    `fields_at` the entity at a version. Deliveries since the send, newest first, skipping
    lost ones: one whose pull arrived is held; one of unknown fate is held if the operation
    shows exactly its values, not if it shows exactly an older state's, else presumed
    (unless only a bootstrap gave it)."""
    live = [
        d
        for d in reversed(deliveries)
        if pulls.era <= d.seq and sent_seq < d.seq and d.seq not in pulls.lost
    ]
    if shown is not None and shown.version is not None:  # it says which one it holds
        for delivery in live:
            if delivery.version == shown.version:
                return _held(delivery, fields_at, proven=True)
        return sent  # none delivered since it last sent: it holds what it sent
    for n, delivery in enumerate(live):
        if pulls.arrived(delivery.seq):
            return _held(delivery, fields_at, proven=True)
        if shown is not None:
            older = [_held(d, fields_at, proven=True) for d in live[n:]]
            matched = next((b for b in [*older, sent] if b and shown.matches(b.fields)), None)
            if matched is not None:  # exactly this one's values, or an older state's
                return matched
        if delivery.seq > pulls.era:
            return _held(delivery, fields_at, proven=False)
    return sent


def _held(
    delivery: Delivery, fields_at: Callable[[int], Mapping[str, Any]], *, proven: bool
) -> Base:
    return Base(fields_at(delivery.version), delivery.version, proven)

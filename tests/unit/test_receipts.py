"""Which state a device holds (command/sync/receipts.py): given its session's pulls, the
versions they delivered and what it sent, the base its next push merges against."""

from typing import Any

from command.sync.receipts import Base, Delivery, Pulls, Shown, choose

STATES = {1: {"quantity": 100}, 2: {"quantity": 94}, 3: {"quantity": 90}}
SENT = Base({"quantity": 100}, 1, True)  # what the device sent at its push, seq 2


def held(
    deliveries: list[Delivery],
    pulls: Pulls,
    *,
    sent: Base | None = SENT,
    sent_seq: int = 2,
    shown: dict[str, Any] | None = None,
    version: int | None = None,
) -> Base | None:
    return choose(
        deliveries,
        sent,
        sent_seq if sent is not None else 0,
        pulls,
        STATES.__getitem__,
        Shown(shown or {"quantity": 80}, version),
    )


BOOT = Delivery(1, 1)  # the bootstrap, seq 1, delivered version 1


def test_a_later_pull_the_device_continued_from_is_its_base() -> None:
    pulls = Pulls(era=1, proven=3, lost=frozenset())
    assert held([BOOT, Delivery(2, 3)], pulls) == Base(STATES[2], 2, True)


def test_a_later_pull_of_unknown_fate_is_presumed_but_proves_nothing() -> None:
    pulls = Pulls(era=1, proven=1, lost=frozenset())
    assert held([BOOT, Delivery(2, 3)], pulls) == Base(STATES[2], 2, False)


def test_a_pull_shown_lost_leaves_what_the_device_sent() -> None:
    pulls = Pulls(era=1, proven=1, lost=frozenset({3}))
    assert held([BOOT, Delivery(2, 3)], pulls) == SENT


def test_a_lost_answer_leaves_the_earlier_delivery_since_the_send() -> None:
    pulls = Pulls(era=1, proven=4, lost=frozenset({5, 6}))
    deliveries = [BOOT, Delivery(2, 4), Delivery(3, 5), Delivery(3, 6)]
    assert held(deliveries, pulls) == Base(STATES[2], 2, True)


def test_values_sent_back_exactly_show_which_state_the_device_holds() -> None:
    pulls = Pulls(era=1, proven=1, lost=frozenset())
    deliveries = [BOOT, Delivery(2, 3), Delivery(3, 4)]
    assert held(deliveries, pulls, shown={"quantity": 94}) == Base(STATES[2], 2, True)
    assert held(deliveries, pulls, shown={"quantity": 100}) == SENT  # it got neither


def test_a_named_version_is_the_base_and_nothing_later_is_presumed() -> None:
    pulls = Pulls(era=1, proven=1, lost=frozenset())
    deliveries = [BOOT, Delivery(2, 3), Delivery(3, 4)]
    assert held(deliveries, pulls, version=2) == Base(STATES[2], 2, True)
    assert held(deliveries, pulls, version=1) == SENT


def test_a_bootstrap_is_never_presumed() -> None:
    """A lost bootstrap answer means seed data on the phone (API.md 8.5 step 2)."""
    pulls = Pulls(era=1, proven=0, lost=frozenset())
    assert held([BOOT], pulls, sent=None) is None
    assert held([BOOT], Pulls(era=1, proven=1, lost=frozenset()), sent=None) == Base(
        STATES[1], 1, True
    )


def test_deliveries_before_the_send_or_the_bootstrap_do_not_count() -> None:
    pulls = Pulls(era=3, proven=9, lost=frozenset())
    assert held([Delivery(2, 2)], pulls, sent=None) is None  # an earlier bootstrap's era
    assert held([Delivery(2, 4)], pulls, sent_seq=5) == SENT  # sent after it

"""Uniqueness by deterministic ids: one Index aggregate per claimed natural key."""

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from events.attribution import Attributed


class Index(Aggregate):
    """Records which aggregate (if any) holds a unique key such as an email address.

    Its id is derived from the key, so two concurrent claims of a free key both try
    to create version 1 and the event store lets only one of them commit.
    """

    class Event(Attributed, Aggregate.Event):
        owner_id: UUID

    class Created(Event, Aggregate.Created):
        key: str
        ref: UUID | None

    def __init__(self, owner_id: UUID, key: str, ref: UUID | None):
        self.owner_id = owner_id
        self.key = key
        self.ref = ref

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/vitaltrack/{key}")

    class Reassigned(Event):
        ref: UUID | None

        def apply(self, aggregate: "Index") -> None:
            aggregate.owner_id = self.owner_id
            aggregate.ref = self.ref

    def is_held_by_other_than(self, ref: UUID) -> bool:
        return self.ref is not None and self.ref != ref

    def assign(self, owner_id: UUID, ref: UUID | None) -> None:
        """Point the key at another aggregate, or free it with None."""
        if self.ref != ref:
            self.trigger_event(self.Reassigned, owner_id=owner_id, ref=ref)


def email_key(email: str) -> str:
    return f"users/email/{email}"


def username_key(username: str) -> str:
    return f"users/username/{username}"


def category_name_key(owner_id: UUID, name: str) -> str:
    # Names clash trimmed and case-insensitively ("Medication" and " medication ").
    return f"owners/{owner_id}/categories/{name.strip().casefold()}"


def order_number_key(owner_id: UUID, order_number: str) -> str:
    return f"owners/{owner_id}/orders/{order_number.upper()}"

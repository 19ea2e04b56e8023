"""Loading an aggregate for its owner: unknown, deleted, foreign and wrong-kind ids all read as
'not found', so another household's ids reveal nothing."""

from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from command.unit_of_work import UnitOfWork


class Owned(Protocol):
    def check_owned_by(self, owner_id: UUID) -> None: ...


A = TypeVar("A", bound=Owned)


def load_owned(
    uow: UnitOfWork, kind: type[A], aggregate_id: UUID, owner_id: UUID, not_found: type[Exception]
) -> A:
    try:
        aggregate: Any = uow.get(aggregate_id)
    except AggregateNotFoundError:
        raise not_found(aggregate_id) from None
    if not isinstance(aggregate, kind):
        raise not_found(aggregate_id)
    aggregate.check_owned_by(owner_id)
    return aggregate

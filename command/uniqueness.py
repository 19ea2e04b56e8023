"""Claim and release unique keys through Index aggregates saved with the claimant."""

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from command.unit_of_work import UnitOfWork
from events.index import Index


class KeyTaken(Exception):
    """The unique key is held by another aggregate."""


def claim(uow: UnitOfWork, key: str, owner_id: UUID, ref: UUID) -> Index:
    """An Index pointing `key` at `ref`, to be saved atomically with `ref`'s aggregate."""
    try:
        index: Index = uow.get(Index.create_id(key))
    except AggregateNotFoundError:
        return Index(owner_id=owner_id, key=key, ref=ref)
    if index.is_held_by_other_than(ref):
        raise KeyTaken(key)
    index.assign(owner_id, ref)
    return index


def release(uow: UnitOfWork, key: str, owner_id: UUID) -> Index | None:
    try:
        index: Index = uow.get(Index.create_id(key))
    except AggregateNotFoundError:
        return None
    index.assign(owner_id, None)
    return index


def holder(uow: UnitOfWork, key: str) -> UUID | None:
    try:
        index: Index = uow.get(Index.create_id(key))
    except AggregateNotFoundError:
        return None
    return index.ref

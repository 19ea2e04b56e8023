"""Sync bookkeeping next to the event store: client ids, processed operations, and what each
session (device login) has seen. Written as side writes, in the transactions of the events."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from command.accounts.tables import transaction
from events.category import Category
from events.item import Item
from events.order import Order
from events.store import SideWrite, Store

ENTITY_OF: dict[type, str] = {Category: "category", Item: "item", Order: "order"}


def local_id_row(
    owner_id: UUID, entity: str, local_id: str | None, entity_id: UUID
) -> list[SideWrite]:
    """Remember a client id; the first entity to use it keeps it."""
    if not local_id:
        return []
    return [
        SideWrite(
            "INSERT INTO sync_local_ids (owner_id, entity, local_id, entity_id) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (owner_id, entity, local_id, entity_id),
        )
    ]


def known_rows(session_id: UUID | None, saved: Iterable[Any]) -> list[SideWrite]:
    """The session produced these versions, so it knows them."""
    if session_id is None:
        return []
    return [
        SideWrite(
            "INSERT INTO sync_known_versions (session_id, entity_id, entity, version) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (session_id, entity_id) "
            "DO UPDATE SET version = GREATEST(sync_known_versions.version, EXCLUDED.version)",
            (session_id, agg.id, ENTITY_OF[type(agg)], agg.version),
        )
        for agg in saved
        if type(agg) in ENTITY_OF
    ]


def operation_row(owner_id: UUID, operation_id: str, primary: Any) -> SideWrite:
    return SideWrite(
        "INSERT INTO sync_operations (owner_id, operation_id, entity_id, server_version) "
        "VALUES (%s, %s, %s, %s)",
        (owner_id, operation_id, primary.id, primary.version),
    )


def processed_many(
    store: Store, owner_id: UUID, operation_ids: list[str]
) -> dict[str, tuple[UUID, int]]:
    """The first outcome of every operation id in a push that was seen before, in one query."""
    with transaction(store) as curs:
        curs.execute(
            "SELECT operation_id, entity_id, server_version FROM sync_operations "
            "WHERE owner_id = %s AND operation_id = ANY(%s)",
            (owner_id, operation_ids),
        )
        return {r["operation_id"]: (r["entity_id"], r["server_version"]) for r in curs.fetchall()}


def local_ids(store: Store, owner_id: UUID) -> dict[tuple[str, str], UUID]:
    """Every client id of the owner: one query per push instead of one per operation."""
    with transaction(store) as curs:
        curs.execute(
            "SELECT entity, local_id, entity_id FROM sync_local_ids WHERE owner_id = %s",
            (owner_id,),
        )
        return {(r["entity"], r["local_id"]): r["entity_id"] for r in curs.fetchall()}


def processed(store: Store, owner_id: UUID, operation_id: str) -> tuple[UUID, int] | None:
    with transaction(store) as curs:
        curs.execute(
            "SELECT entity_id, server_version FROM sync_operations "
            "WHERE owner_id = %s AND operation_id = %s",
            (owner_id, operation_id),
        )
        row = curs.fetchone()
    return (row["entity_id"], row["server_version"]) if row else None


def known_versions(store: Store, session_id: UUID, entity: str | None = None) -> dict[UUID, int]:
    with transaction(store) as curs:
        curs.execute(
            "SELECT entity_id, version FROM sync_known_versions WHERE session_id = %s "
            "AND (%s::text IS NULL OR entity = %s::text)",
            (session_id, entity, entity),
        )
        return {row["entity_id"]: row["version"] for row in curs.fetchall()}

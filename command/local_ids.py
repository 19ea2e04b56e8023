"""Client ids (`localId`): which server entity a device's own id stands for, per owner.

Written by every create that carries one, in its transaction; the first entity to use an id
keeps it. Pushes look them all up once, so operations can refer to what earlier ones created.
"""

from uuid import UUID

from command.unit_of_work import transaction
from events.store import SideWrite, Store


def local_id_row(
    owner_id: UUID, entity: str, local_id: str | None, entity_id: UUID
) -> list[SideWrite]:
    if not local_id:
        return []
    return [
        SideWrite(
            "INSERT INTO sync_local_ids (owner_id, entity, local_id, entity_id) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (owner_id, entity, local_id, entity_id),
        )
    ]


def local_ids(store: Store, owner_id: UUID) -> dict[tuple[str, str], UUID]:
    """Every client id of the owner: one query per push instead of one per operation."""
    with transaction(store) as curs:
        curs.execute(
            "SELECT entity, local_id, entity_id FROM sync_local_ids WHERE owner_id = %s",
            (owner_id,),
        )
        return {(r["entity"], r["local_id"]): r["entity_id"] for r in curs.fetchall()}

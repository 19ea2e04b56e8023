"""Processed operations (API.md 8.2 rule 3, 8.5 f): every operation id's first outcome, kept
whatever it was, so a resend in any later session answers `duplicate` and changes nothing.

An outcome that saved events is written in their transaction; the others (nothing changed,
conflicts without a record, rejections) are written together once per push: one statement
for a 500-operation push.
"""

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from command.unit_of_work import transaction
from events.store import SideWrite, Store

APPLIED, DUPLICATE, CONFLICT, REJECTED = "applied", "duplicate", "conflict", "rejected"


@dataclass(frozen=True)
class Outcome:
    STATUSES = (APPLIED, DUPLICATE, CONFLICT, REJECTED)

    operation_id: str
    status: str  # applied | duplicate | conflict | rejected
    entity_id: UUID | None = None
    server_version: int | None = None
    error: dict[str, Any] | None = None
    first: str | None = None  # a duplicate's first status

    def as_duplicate(self) -> "Outcome":
        return Outcome(
            self.operation_id,
            DUPLICATE,
            self.entity_id,
            self.server_version,
            self.error,
            self.status,
        )

    def succeeded(self, *, whole_state: bool) -> bool:
        """`success` on the wire. A resend in ops mode tells the first outcome, a rejection
        too (API.md 8.2: a client must learn it after a lost answer); a whole-state push
        counts every duplicate a success, because the released app retries anything not
        successful, one operation per request, until it gives up (sync.ts:407-461)."""
        if self.status == DUPLICATE and not whole_state:
            return self.first == APPLIED
        return self.status in (APPLIED, DUPLICATE)


_INSERT = (
    "INSERT INTO sync_operations (owner_id, operation_id, status, entity_id, server_version, "
    "error) "
)


def outcome_row(owner_id: UUID, outcome: Outcome) -> SideWrite:
    return SideWrite(
        _INSERT + "VALUES (%s, %s, %s, %s, %s, %s::jsonb)",
        (
            owner_id,
            outcome.operation_id,
            outcome.status,
            outcome.entity_id,
            outcome.server_version,
            json.dumps(outcome.error) if outcome.error is not None else None,
        ),
    )


def outcomes_row(owner_id: UUID, outcomes: list[Outcome]) -> list[SideWrite]:
    """The outcomes no event transaction carried, as one statement."""
    if not outcomes:
        return []
    return [
        SideWrite(
            _INSERT + "SELECT %s, * FROM unnest(%s::text[], %s::text[], %s::uuid[], "
            "%s::bigint[], %s::jsonb[]) ON CONFLICT DO NOTHING",
            (
                owner_id,
                [o.operation_id for o in outcomes],
                [o.status for o in outcomes],
                [o.entity_id for o in outcomes],
                [o.server_version for o in outcomes],
                [json.dumps(o.error) if o.error is not None else None for o in outcomes],
            ),
        )
    ]


def first_outcomes(store: Store, owner_id: UUID, operation_ids: list[str]) -> dict[str, Outcome]:
    """The first outcome of every operation id of a push that was processed before."""
    with transaction(store) as curs:
        curs.execute(
            "SELECT operation_id, status, entity_id, server_version, error FROM sync_operations "
            "WHERE owner_id = %s AND operation_id = ANY(%s)",
            (owner_id, operation_ids),
        )
        return {
            r["operation_id"]: Outcome(
                r["operation_id"], r["status"], r["entity_id"], r["server_version"], r["error"]
            )
            for r in curs.fetchall()
        }

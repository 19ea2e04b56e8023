"""The Device aggregate: one signed-in phone (a session), and the syncs it made."""

from uuid import UUID

from eventsourcing.domain import Aggregate

from events.attribution import Attributed


class Device(Aggregate):
    """A session's sync pushes, for the activity log (sync_push)."""

    class Event(Attributed, Aggregate.Event):
        owner_id: UUID

    class Registered(Event, Aggregate.Created):
        session_id: UUID

    def __init__(self, owner_id: UUID, session_id: UUID):
        self.owner_id = owner_id
        self.session_id = session_id

    @staticmethod
    def create_id(session_id: UUID) -> UUID:
        return session_id

    class Pushed(Event):
        applied: int
        duplicates: int
        conflicts: int
        rejected: int

    class Pulled(Event):
        """Recorded by earlier versions for every pull; pulls append no events any more, but
        logs keep these (read by the activity projection on replay)."""

        events: int
        bootstrap: bool

    def record_push(self, applied: int, duplicates: int, conflicts: int, rejected: int) -> None:
        self.trigger_event(
            self.Pushed,
            owner_id=self.owner_id,
            applied=applied,
            duplicates=duplicates,
            conflicts=conflicts,
            rejected=rejected,
        )

"""The rebuild's replay: the log up to a position, into the shadow tables, by several worker
processes at once, each a share of the households (`Households`), decoding only the events
its projections read (`projections.decoding`).
"""

import asyncio
import gc
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import asyncpg

from events.erasure import AccountErased
from projections.decoding import ReplayDecoder
from projections.projection import Envelope, Projection
from projections.runner import Decoder, ReadModelRunner

SHADOW = "vt_rebuild"
PROGRESS_TABLE = "rebuild_progress"  # in the shadow schema: how far each replay worker got
# The shadow tables first; a crash loses only the shadow copy, which the next rebuild
# recreates anyway, so commits need not wait for the disk.
SHADOW_SETTINGS = {"search_path": f"{SHADOW}, public", "synchronous_commit": "off"}
Progress = Callable[[int, int], None]  # (events done, events in total)


def replay_runner(dsn: str, projections: list[Projection], batch_size: int) -> ReadModelRunner:
    """A runner for shadow tables, decoding only what `projections` read (and erasures)."""
    wanted = {AccountErased.Recorded}.union(*(p.reads for p in projections))
    decoder = ReplayDecoder(wanted)
    return ReadModelRunner(dsn, projections, batch_size, announce=False, decoder=decoder)


class Households:
    """Splits the log by household among replay workers, so that each event is decoded
    once and each household's rows are written by one worker in log order (what the live
    runner does), with every projection at hand: a household's projections share rows
    (owner_stats) and read each other's entities (a conflict names an item).

    Every aggregate's first event names its owner (no projected aggregate changes household;
    the uniqueness index, which may, is read by no projection), and every worker reads the
    whole log: it decodes each first event (a small share of the log) to learn whose the
    aggregate is, gives households to workers in turn as they first appear (the same order
    in every worker), and decodes the other events of its own households only, those that
    a projection reads."""

    def __init__(self, share: int, shares: int):
        self.share, self.shares = share, shares
        self.owner_of: dict[Any, Any] = {}  # aggregate -> its household (None: no household)
        self.share_of: dict[Any, int] = {}  # household -> the worker that replays it

    def select(self, rows: list[Any], decoder: Decoder) -> list[Envelope]:
        mine = []
        for row in rows:
            if row["originator_version"] == 1:
                envelope = decoder.decode(row)
                owner = getattr(envelope.event, "owner_id", None)
                self.owner_of[row["originator_id"]] = owner
                if owner is not None:
                    self.share_of.setdefault(owner, len(self.share_of) % self.shares)
                if self._mine(owner) and decoder.wants(row):
                    mine.append(envelope)
            elif self._mine(self.owner_of.get(row["originator_id"])) and decoder.wants(row):
                mine.append(decoder.decode(row))
        return mine

    def _mine(self, owner: Any) -> bool:
        # Events of no household (no projection reads them) are the first worker's.
        return self.share_of.get(owner, 0) == self.share if owner is not None else self.share == 0


def _replay_share(
    dsn: str, names: list[str], share: int, shares: int, batch_size: int, head: int
) -> int:
    """Worker process: replay the households of `share` up to `head` into the shadow tables
    of `names`; returns how many events it applied."""
    from projections.catalog import all_projections

    # Each batch's decoded events outlive several young collections, so the collector kept
    # promoting them and walking the whole heap: 10-15 % of a worker's time. The replay
    # leaves almost no cycles behind (162 objects over 200k events), and the process ends.
    gc.disable()

    async def replay() -> int:
        chosen = [p for p in all_projections() if p.name in names]
        conn = await asyncpg.connect(dsn, server_settings=SHADOW_SETTINGS)
        try:
            runner = replay_runner(dsn, chosen, batch_size)
            households = Households(share, shares)
            after = applied = 0
            while rows := await runner.read(conn, after, head):
                batch = households.select(rows, runner.decoder)
                after = rows[-1]["notification_id"]
                async with conn.transaction():
                    await runner.apply(conn, batch)
                    await conn.execute(
                        f"UPDATE {PROGRESS_TABLE} SET position = $2 WHERE share = $1", share, after
                    )
                applied += len(batch)
            return applied
        finally:
            await conn.close()

    return asyncio.run(replay())


async def replay_in_parallel(
    dsn: str,
    conn: asyncpg.Connection,
    projections: list[Projection],
    shares: int,
    batch_size: int,
    head: int,
    progress: Progress | None,
) -> int:
    """Each share of the households in its own process (the replay is CPU-bound Python);
    progress is the slowest worker's position in the log. Then every projection stands at
    `head`, where the single runner goes on."""
    await conn.execute(
        f"CREATE UNLOGGED TABLE {SHADOW}.{PROGRESS_TABLE} "
        "(share integer PRIMARY KEY, position bigint NOT NULL DEFAULT 0)"
    )
    await conn.execute(
        f"INSERT INTO {SHADOW}.{PROGRESS_TABLE} (share) SELECT generate_series(0, $1 - 1)", shares
    )
    names = [p.name for p in projections]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=shares, mp_context=context) as pool:
        loop = asyncio.get_running_loop()
        jobs = [
            loop.run_in_executor(pool, _replay_share, dsn, names, n, shares, batch_size, head)
            for n in range(shares)
        ]
        pending = asyncio.gather(*jobs)
        while not pending.done():
            await asyncio.wait([pending], timeout=0.5)
            if progress:
                reached = await conn.fetchval(
                    f"SELECT min(position) FROM {SHADOW}.{PROGRESS_TABLE}"
                )
                progress(reached, max(head, reached))
        await pending
    await conn.execute(
        "UPDATE projection_tracking SET position = $2, updated_at = now() "
        "WHERE name = ANY($1::text[])",
        names,
        head,
    )
    return head

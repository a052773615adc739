"""Global tables' replication: each replica's changes, from its stream, to
the other replicas (version 2019.11.21; tables/replicas.py sets them up).

`Replicator` runs per namespace engine, as a job under the lease
"replication" (one engine of those sharing a store replicates a namespace
at a time; another takes over when it stops renewing). For each global
table it reads the stream from a checkpoint (storage's checkpoints,
"replication" | stream number), takes the records written in its own
region (awsRegion: a replicated write's record names its origin, so it is
never sent back), holds back those younger than Config.replication_lag
(the simulated cross-region delay), and applies the items as they are now
to every other replica with last writer wins: each item carries a stamp
[time, origin region] (storage/replica_clocks.py, set by every write), and
a change is applied only when its stamp is newer than the replica's (ties
go to the greater region name, so every replica picks the same winner).
The checkpoint moves after the changes are committed, so a restart repeats
a batch at worst, and repeating one changes nothing (the stamps are equal).
"""
from __future__ import annotations

import logging
import threading

from ..dynamodb.items.items import key_of
from ..errors import DynamoError
from ..namespaces import Namespace
from ..storage.codec import unpack
from ..storage.items import StoredItem
from ..storage.leases import Lease, new_owner

log = logging.getLogger("dynalite_py.replication")
REPLICATION_CHECKPOINT = "replication"
LEASE = "replication"
GATHER_SECONDS = 0.002
LEASE_SECONDS = 10.0
BATCH_RECORDS = 200
# a stored change record: [created, event id, event, region, view type,
# size, keys, old image, new image, user identity] (streams/log.py)
_CREATED, _REGION, _KEYS, _FIELDS = 0, 3, 6, 10

Change = tuple[dict, bytes | None, tuple[float, str]]  # keys, item as stored (None: gone), stamp


def apply_changes(engine, name: str, changes: list[Change]) -> int:
    """Apply changes from another region to the replica `name` in
    `engine`'s region, newer stamps only; how many applied."""
    items, clocks = engine.repos.items, engine.repos.replica_clocks

    def apply(ctx):
        table = engine.catalog.current(ctx, name)
        if table is None or not table.replica_regions:
            return 0  # no replica (any more): nothing to apply
        applied = 0
        for keys, raw, stamp in changes:
            key = key_of(table, keys)
            current = clocks.stamp(ctx.txn, table.id, key)
            if current is not None and tuple(current) >= tuple(stamp):
                continue
            old = items.read(ctx.txn, key)
            if raw is None:
                engine.items.commit(ctx, table, key, old, None, origin=tuple(stamp))
            else:
                stored = StoredItem(raw)
                engine.items.commit(ctx, table, key, old, stored.item, stored.size,
                                    origin=tuple(stamp))
            applied += 1
        return applied

    return engine.store.write(apply)


def replicate(engine) -> bool:
    """One pass over the namespace's global tables; whether records are
    still held back by the replication lag."""
    cutoff = engine.clock() - engine.config.replication_lag
    with engine.store.read() as txn:
        tables = [table for table in engine.catalog.tables(txn)
                  if table.replica_regions and table.stream_number is not None]
    waiting = False
    for table in tables:
        while True:
            more, held_back = _replicate_batch(engine, table, cutoff)
            waiting |= held_back
            if not more:
                break
    return waiting


def _replicate_batch(engine, table, cutoff: float) -> tuple[bool, bool]:
    """Replicate the next batch of the table's own changes: (whether a full
    batch went, so more may wait; whether records are held back)."""
    repos, region = engine.repos, engine.config.region
    number = table.stream_number
    changes: dict[bytes, Change] = {}
    last = None
    held_back = False
    with engine.store.read() as txn:
        position = repos.checkpoints.position(txn, REPLICATION_CHECKPOINT, str(number)) or 1
        count = 0
        for sequence, value in repos.streams.records(txn, number, position):
            record = unpack(value)
            if len(record) != _FIELDS:
                last = sequence  # written by earlier builds: before replication
                continue
            if record[_CREATED] > cutoff:
                held_back = True
                break
            last, count = sequence, count + 1
            if record[_REGION] == region:
                key = key_of(table, record[_KEYS])
                stored = repos.items.read(txn, key)
                stamp = repos.replica_clocks.stamp(txn, table.id, key) or (record[_CREATED],
                                                                            region)
                changes[key] = (record[_KEYS], stored.raw if stored else None, stamp)
            if count >= BATCH_RECORDS:
                break
    if last is None:
        return False, held_back
    if changes:
        for other in table.replica_regions:
            if other != region:
                replica = engine.in_namespace(Namespace(engine.config.account_id, other))
                apply_changes(replica, table.name, list(changes.values()))
    engine.store.write(lambda ctx: repos.checkpoints.set_position(
        ctx.txn, REPLICATION_CHECKPOINT, str(number), last + 1))
    return count >= BATCH_RECORDS, held_back


class Replicator:
    """Runs `replicate(engine)` while it holds the namespace's replication
    lease: at once after a commit with stream records in this process, else
    every bridge poll interval (writes from other servers). While the
    namespace has no global table it only polls: a stream write waking it
    to find nothing to do would cost every such write a thread switch."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.lease = Lease(engine.store, LEASE, new_owner(), LEASE_SECONDS)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="dynalite-replication",
                                       daemon=True)

    def start(self) -> "Replicator":
        self.thread.start()
        return self

    def _run(self) -> None:
        engine, poll = self.engine, self.engine.config.bridge_poll_interval
        while not self._stop.is_set() and not engine.closing.is_set():
            seen = engine.bridge.generation
            waiting, replicating = False, False
            try:
                replicating = self._has_global_tables()
                if replicating and self.lease.hold():
                    waiting = replicate(engine)
            except DynamoError as error:  # the store is unavailable: retried next time
                log.warning("replication failed: %s", error.message)
            except Exception:  # keep replicating; a failed pass is retried
                if engine.closing.is_set():
                    return
                log.exception("replication failed")
            if waiting:
                self._stop.wait(min(poll, max(0.01, engine.config.replication_lag / 10)))
            elif replicating:
                engine.bridge.wait_for_change(seen, poll)
                # a short gathering: one pass for a burst of commits, not a
                # thread switch (taking the writers' GIL) for each of them
                self._stop.wait(GATHER_SECONDS)
            else:
                self._stop.wait(poll)

    def _has_global_tables(self) -> bool:
        with self.engine.store.read() as txn:
            return any(table.replica_regions for table in self.engine.catalog.tables(txn))

    def stop(self) -> None:
        self._stop.set()
        self.engine.bridge.notify()
        if self.thread.is_alive():
            self.thread.join()
        self.lease.release()

"""Index backfills: filling a new global secondary index with the entries of
the items written before it existed.

UpdateTable's GlobalSecondaryIndexUpdates (dynamodb/tables/index_builds.py)
puts a created index in the table record as CREATING with Backfilling=true.
From that moment every item write maintains its entries (ItemWriter.write
sees the index), while a backfill walks the existing items in small
transactions, adding the entries still missing, so writes are never
blocked. The walk's position is stored with the index entries
(IndexEntries.backfill_position), so a restart resumes it. The walk runs
under a lease held in the store (storage/leases.py), so of the processes
sharing a store one fills an index at a time; the others leave it, and the
sweeper's next pass (`resume_backfills`) takes it over once the lease is
given up or expires. When the walk ends the index turns ACTIVE.

A vector index created by UpdateTable's VectorIndexUpdates
(dynamodb/vectors/definitions.py) is filled the same way, with vector
entries (items without a usable vector are left out, as writes leave them).
"""
from __future__ import annotations

import logging
import time

from ..dynamodb.tables.indexes import Index, add_entry
from ..dynamodb.vectors.vector_index import VectorIndex, put_vector_entry
from ..errors import DynamoError
from ..model.values import validate_index_keys
from ..storage.indexes import IndexEntries
from ..storage.interface import Conflict, WriteContext
from ..storage.leases import Lease, new_owner
from .starting import start_tracked

log = logging.getLogger("dynalite_py")
BACKFILL_BATCH = 500
MIN_BACKFILL_BATCH = 8
PROGRESS_SECONDS = 5.0  # between a long backfill's log lines
# how long a backfill's lease outlives its last renewal (one per batch)
BACKFILL_LEASE_SECONDS = 30.0


def backfill_lease(table_name: str, index_name: str) -> str:
    """The name of the lease a backfill of the index runs under."""
    return f"backfill:{table_name}/{index_name}"


def resume_backfills(engine) -> None:
    """Start a backfill thread for every CREATING index not being filled here."""
    with engine.store.read() as txn:
        pending = [(table.name, index.name) for table in engine.catalog.tables(txn)
                   for definition in table.record.get("GlobalSecondaryIndexes", [])
                   + table.record.get("VectorIndexes", [])
                   if definition.get("Backfilling")
                   for index in table.indexes + table.vector_indexes
                   if index.name == definition["IndexName"]]
    for table_name, index_name in pending:
        start_tracked(engine, (table_name, index_name), f"backfill-{index_name}", _backfill,
                      engine, table_name, index_name)


def _backfill(engine, table_name: str, index_name: str) -> None:
    """Index the table's items batch by batch while this thread holds the
    backfill's lease. A batch that loses to concurrent writes on every retry
    (the store's Conflict: a backend with optimistic writes, under a steady
    write load) runs again smaller, since a shorter transaction meets fewer
    of them; each success doubles it back towards BACKFILL_BATCH. The index
    turns ACTIVE in a write of its own, which reads no items, so it does not
    conflict with every write racing the last batch."""
    lease = Lease(engine.store, backfill_lease(table_name, index_name), new_owner(),
                  BACKFILL_LEASE_SECONDS)
    batch = BACKFILL_BATCH
    progress = BackfillProgress(table_name, index_name)
    try:
        while not engine.closing.is_set() and lease.hold():
            try:
                done, indexed = engine.store.write(
                    lambda ctx: _backfill_step(ctx, engine, table_name, index_name, batch))
                progress.add(indexed)
                if done:
                    engine.store.write(lambda ctx: _mark_active(ctx, engine, table_name,
                                                                index_name))
                    progress.finished()
                    return
                batch = min(BACKFILL_BATCH, batch * 2)
            except Conflict:
                batch = max(MIN_BACKFILL_BATCH, batch // 4)
    except Exception:  # the table or index went away, or the engine closed
        log.debug("backfill of %s.%s stopped", table_name, index_name, exc_info=True)
    finally:
        lease.release()


def _backfill_step(ctx: WriteContext, engine, table_name: str, index_name: str,
                   batch: int) -> tuple[bool, int]:
    """Index the next `batch` items: (whether every item is indexed now, or
    the index is gone; how many items this step indexed)."""
    table, index = _building(ctx, engine, table_name, index_name)
    if index is None:
        return True, 0
    entries = engine.repos.indexes
    count = 0
    position = entries.backfill_position(ctx.txn, index.id)
    for key, item in engine.repos.items.of_table(ctx.txn, table.id, after=position):
        if isinstance(index, VectorIndex):
            _index_vector(ctx, engine, index, key, item)
        else:
            _index_item(ctx, entries, table, index, key, item)
        count += 1
        if count >= batch:
            entries.set_backfill_position(ctx.txn, index.id, key)
            return False, count
    return True, count


class BackfillProgress:
    """A log line as a backfill starts, every PROGRESS_SECONDS, and at its end."""

    def __init__(self, table_name: str, index_name: str) -> None:
        self.name = f"{table_name}.{index_name}"
        self.indexed = 0
        self.started = self.shown = time.monotonic()
        log.info("index %s: backfill started", self.name)

    def add(self, indexed: int) -> None:
        self.indexed += indexed
        now = time.monotonic()
        if now - self.shown >= PROGRESS_SECONDS:
            self.shown = now
            log.info("index %s: backfill at %d items", self.name, self.indexed)

    def finished(self) -> None:
        log.info("index %s: backfill done, %d items in %.1f s (ACTIVE)", self.name,
                 self.indexed, time.monotonic() - self.started)


def _building(ctx: WriteContext, engine, table_name: str, index_name: str) -> tuple:
    """(table, index) as the write sees them; index None once it is gone."""
    table = engine.catalog.current(ctx, table_name)
    index = next((i for i in table.indexes + table.vector_indexes if i.name == index_name),
                 None) if table else None
    return table, index


def _index_item(ctx: WriteContext, entries: IndexEntries, table, index: Index,
                table_key: bytes, item: dict) -> None:
    """Add the item's entry unless a write since the index was created did,
    or its index key is one a write would refuse (wrong type, empty, too
    long): DynamoDB's backfill leaves such an item out of the index rather
    than failing (the Developer Guide's "Detecting and correcting index key
    violations")."""
    if not _indexable(table, index, item):
        return
    entry_key = index.entry_key(item, table_key)
    if entry_key is not None and entries.size(ctx.txn, entry_key) is None:
        add_entry(ctx, entries, index, entry_key, table_key, index.project(item))


def _index_vector(ctx: WriteContext, engine, index: VectorIndex, table_key: bytes,
                  item: dict) -> None:
    """Add the item's vector entry unless it has none or a write added it."""
    entry_key = index.entry_key(item, table_key)
    if entry_key is not None and engine.repos.vectors.size(ctx.txn, entry_key) is None:
        put_vector_entry(ctx, engine.repos.vectors, index, entry_key,
                         index.entry(item, table_key))


def _indexable(table, index: Index, item: dict) -> bool:
    schema = [schema for name, schema in table.index_key_schemas if name == index.name]
    try:
        validate_index_keys(item, [(index.name, schema[0])], table.attribute_types)
    except DynamoError:
        return False
    return True


def _mark_active(ctx: WriteContext, engine, table_name: str, index_name: str) -> None:
    """The backfill is done: the index is ACTIVE, its position forgotten."""
    table, index = _building(ctx, engine, table_name, index_name)
    if index is None:
        return
    engine.repos.indexes.set_backfill_position(ctx.txn, index.id, None)
    record = dict(table.record)
    field = "VectorIndexes" if isinstance(index, VectorIndex) else "GlobalSecondaryIndexes"
    record[field] = [
        {k: v for k, v in index.items() if k != "Backfilling"} | {"IndexStatus": "ACTIVE"}
        if index["IndexName"] == index_name else index
        for index in record[field]]
    engine.catalog.put(ctx, record)

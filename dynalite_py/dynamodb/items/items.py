"""Writing items: the one place every item write goes.

`ItemWriter.commit` replaces an item (storage/items.py keeps it with its
size) and writes everything derived from the change in the caller's
transaction, so it commits with the item: table counts, index entries, the
TTL index entry, the stream record and the item collection's size.
"""
from __future__ import annotations

from typing import Callable

from ...config import Config
from ...model.keys import item_key
from ...storage.interface import WriteContext
from ...storage.items import StoredItem
from ...storage.repositories import Repositories
from ...streams import log as streams
from ..kinesis.capture import capture_change
from ..tables import indexes, ttl
from ..tables.catalog import Table
from ..vectors.vector_index import update_vector_entries
from . import item_collections


def key_of(table: Table, key_or_item: dict) -> bytes:
    return item_key(table.id, table.hash_name, table.range_name, key_or_item)


class ItemWriter:
    """Applies item changes and everything derived from them."""

    def __init__(self, repos: Repositories, config: Config, clock: Callable[[], float]) -> None:
        self.repos = repos
        self._records = repos.items
        self.config = config
        self.clock = clock
        # the other replicas of a STRONG global table, as (their writer, their
        # table) seen in a write: set by the Engine, which knows the namespaces
        self.strong_replicas: Callable[[WriteContext, Table], list] = lambda ctx, table: []

    def write(self, ctx: WriteContext, table: Table, key: bytes, new_item: dict | None,
              new_size: int = 0, user_identity: dict | None = None) -> StoredItem | None:
        """Put `new_item` (or delete, when None) under `key`; return the old item."""
        old = self._records.read(ctx.txn, key)
        self.commit(ctx, table, key, old, new_item, new_size, user_identity)
        return old

    def commit(self, ctx: WriteContext, table: Table, key: bytes, old: StoredItem | None,
               new_item: dict | None, new_size: int = 0,
               user_identity: dict | None = None,
               origin: tuple[float, str] | None = None) -> int | None:
        """Replace `old` (as read in this transaction) by `new_item`, or
        delete it when None, with everything derived from the change.
        `origin`: a replicated write's stamp [time, region written in]
        (jobs/replication.py); a local write to a global table is stamped
        now, here. Returns the item collection's new size on tables with LSIs."""
        repos = self.repos
        if table.replica_regions:
            stamp = origin or (self.clock(), self.config.region)
            if table.strongly_consistent and origin is None:
                return self._commit_group(ctx, table, key, old, new_item, new_size,
                                          user_identity, stamp)
            repos.replica_clocks.set_stamp(ctx.txn, table.id, key, stamp)
        new_raw = None
        if new_item is None:
            if old is None:
                return None
            self._records.delete(ctx.txn, key)
        else:
            new_raw = self._records.put(ctx.txn, key, new_size, new_item)
        old_size = old.size if old else 0
        ctx.count_item(table.id, (new_item is not None) - (old is not None), new_size - old_size)
        if table.indexes:
            indexes.update_entries(ctx, repos.indexes, table.indexes, key,
                                   old.item if old else None, new_item)
        if table.vector_indexes:
            update_vector_entries(ctx, repos.vectors, table.vector_indexes, key,
                                  old.item if old else None, new_item)
        if table.keeps_history:  # point-in-time recovery: the undo image, same commit
            repos.history.record(ctx.txn, table.id, self.clock(), key, old.raw if old else None)
        if table.ttl_attribute is not None:
            ttl.update_index(ctx, repos.expiry, table.id, table.ttl_attribute, key,
                             old.item if old else None, new_item)
        if table.stream_number is not None or table.kinesis_log_number is not None:
            self._emit(ctx, table, old, new_item, new_raw, new_size, user_identity,
                       origin[1] if origin else self.config.region)
        if not table.has_local_indexes:
            return None
        change = item_collections.size_change(table, old.item if old else None, new_item,
                                              old_size, new_size)
        return item_collections.resize(ctx, repos.counts, key, change,
                                       self.config.item_collection_limit)

    def _commit_group(self, ctx: WriteContext, table: Table, key: bytes,
                      old: StoredItem | None, new_item: dict | None, new_size: int,
                      user_identity: dict | None, stamp: tuple[float, str]) -> int | None:
        """A STRONG group's write: every replica in this commit
        (dynamodb/tables/multi_region_consistency.py), each as replication
        would write it, with the origin's stamp and a stream record naming
        the origin. In region order, whoever writes: concurrent writes from
        two regions then take the replicas' rows in one order, never each
        holding what the other waits for (a deadlock PostgreSQL takes its
        deadlock_timeout, a second, to break)."""
        source = new_item if new_item is not None else old.item if old else None
        members = [(self, table)] if source is None else sorted(
            [(self, table), *self.strong_replicas(ctx, table)],
            key=lambda member: member[0].config.region)
        keys = {name: source[name] for name in table.key_names} if source else {}
        collection_size = None
        for writer, replica in members:
            if writer is self:
                collection_size = self.commit(ctx, table, key, old, new_item, new_size,
                                              user_identity, origin=stamp)
                continue
            replica_key = key_of(replica, keys)
            writer.commit(ctx, replica, replica_key, writer._records.read(ctx.txn, replica_key),
                          new_item, new_size, origin=stamp)
        return collection_size

    def _emit(self, ctx: WriteContext, table: Table, old: StoredItem | None,
              new: dict | None, new_raw: bytes | None, new_size: int,
              user_identity: dict | None, region: str) -> None:
        """Append the stream record of a change, and its change record for
        Kinesis destinations; a write that leaves the item as it was appends
        none. The images go in as stored (see streams/log.py). `region` is
        where the change was written: a replicated change's record names its
        origin's region (awsRegion), as AWS's do."""
        if new is not None and old is not None and _unchanged(old, new, new_raw):
            return
        source = new if new is not None else old.item
        keys = {name: source[name] for name in table.key_names}
        old_raw, sizes, now = old.raw if old else None, (old.size if old else 0, new_size), \
            self.clock()
        if table.stream_number is not None:
            streams.emit_change(ctx, self.repos.streams, table.stream_number,
                                table.stream_view_type, region, keys, old_raw,
                                new_raw, sizes, now, self.config.stream_shard_rollover,
                                user_identity)
        if table.kinesis_log_number is not None:
            capture_change(ctx, self.repos.streams, table.kinesis_log_number,
                           region, keys, old_raw, new_raw, sizes, now,
                           user_identity)


def _unchanged(old: StoredItem, new: dict, new_raw: bytes) -> bool:
    """Whether a write leaves the item as it was. Equal items pack to the same
    length; only then is the old one decoded (its attributes may be stored in
    another order)."""
    return len(old.raw) == len(new_raw) and (old.raw == new_raw or old.item == new)

"""The TTL pass: deleting items whose Time to Live has passed.

The expiry index (dynamodb/tables/ttl.py, written with each item) gives the
due items of a table with a range read; each is deleted through the normal
delete path (ItemWriter.write: stats, indexes, and a stream record, REMOVE
with the TTL service identity) if it is still expired inside the deleting
transaction. The sweeper runs the pass (sweeper.py).
"""
from __future__ import annotations

import logging
import math

from ..dynamodb.tables import ttl
from ..storage.interface import Handle
from ..storage.ttl import ExpiryIndex
from ..streams import log as streams

# DynamoDB leaves alone items whose TTL is more than five years in the past.
IGNORED_AFTER_SECONDS = 5 * 365 * 24 * 3600
MAX_DELETES_PER_PASS = 1000
log = logging.getLogger("dynalite_py.ttl")


def expire_items(engine) -> None:
    """Delete items whose TTL has passed, through the normal delete path."""
    store, expiry = engine.store, engine.repos.expiry
    now = engine.clock()
    with store.read() as txn:
        due = [(table, keys) for table in engine.catalog.tables(txn)
               if table.ttl_attribute is not None
               and (keys := expired_item_keys(txn, expiry, table.id, now))]
    for table, keys in due:
        deleted = store.write(
            lambda ctx, table=table, keys=keys: _expire(ctx, engine, table, keys, now))
        if deleted:
            log.info("TTL pass on %s: %d expired items deleted", table.name, deleted)


def _expire(ctx, engine, table, keys: list[bytes], now: float) -> int:
    """Delete the keys' items that are still expired; how many."""
    table = engine.catalog.current(ctx, table.name)
    if table is None or table.ttl_attribute is None:
        return 0
    deleted = 0
    for key in keys:
        stored = engine.repos.items.read(ctx.txn, key)
        expiry = ttl.expiry_of(stored.item if stored else None, table.ttl_attribute)
        if expiry is not None and expiry < now:  # still expired as of this transaction
            engine.items.write(ctx, table, key, None, user_identity=streams.TTL_IDENTITY)
            deleted += 1
    return deleted


def expired_item_keys(txn: Handle, expiry: ExpiryIndex, table_id: bytes,
                      now: float) -> list[bytes]:
    """Keys of items whose TTL lies in the past (but not over five years)."""
    oldest = max(0, math.floor(now) - IGNORED_AFTER_SECONDS)
    return expiry.due(txn, table_id, oldest, now, MAX_DELETES_PER_PASS)

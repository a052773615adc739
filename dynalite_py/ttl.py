"""Time to Live: an expiry index kept with the items, and the expiry pass.

Storage (LMDB database "ttl"): for each item of a TTL-enabled table whose
TTL attribute is a Number,
    table id (4) | expiry epoch seconds (8) | BLAKE2b-64(item key)  ->  item key
The entry is written in the item's own transaction (ItemWriter.write calls
`update_index`), so the background pass finds expired items with a range
read instead of a table scan, and deletes them through the normal delete
path: stats, stream record (REMOVE with the TTL service identity), indexes.
"""
from __future__ import annotations

import math
import struct
from hashlib import blake2b

import lmdb

from .model.keys import iterate_prefix
from .storage.codec import unpack
from .storage.interface import Store, WriteContext

# DynamoDB leaves alone items whose TTL is more than five years in the past.
IGNORED_AFTER_SECONDS = 5 * 365 * 24 * 3600
MAX_DELETES_PER_PASS = 1000
_EXPIRY = struct.Struct(">Q")


def expiry_of(item: dict | None, attribute: str) -> int | None:
    """The item's expiry time in whole epoch seconds, if its TTL attribute is a Number."""
    if item is None:
        return None
    value = item.get(attribute)
    if not value or "N" not in value:
        return None
    seconds = math.floor(float(value["N"]))
    return seconds if 0 <= seconds < 2 ** 63 else None


def index_key(table_id: bytes, expiry: int, item_key: bytes) -> bytes:
    return table_id + _EXPIRY.pack(expiry) + blake2b(item_key, digest_size=8).digest()


def update_index(ctx: WriteContext, store: Store, table_id: bytes, attribute: str,
                 item_key: bytes, old: dict | None, new: dict | None) -> None:
    old_expiry, new_expiry = expiry_of(old, attribute), expiry_of(new, attribute)
    if old_expiry == new_expiry:
        return
    if old_expiry is not None:
        ctx.txn.delete(index_key(table_id, old_expiry, item_key), db=store.ttl)
    if new_expiry is not None:
        ctx.txn.put(index_key(table_id, new_expiry, item_key), item_key, db=store.ttl)


def build_index(ctx: WriteContext, store: Store, table_id: bytes, attribute: str) -> None:
    """Index every existing item of a table (TTL was just enabled)."""
    for key, raw in iterate_prefix(ctx.txn, store.items, table_id):
        expiry = expiry_of(unpack(raw)[1], attribute)
        if expiry is not None:
            ctx.txn.put(index_key(table_id, expiry, key), key, db=store.ttl)


def drop_index(ctx: WriteContext, store: Store, table_id: bytes) -> None:
    keys = [key for key, _ in iterate_prefix(ctx.txn, store.ttl, table_id)]
    for key in keys:
        ctx.txn.delete(key, db=store.ttl)


def expired_item_keys(txn: lmdb.Transaction, store: Store, table_id: bytes,
                      now: float) -> list[bytes]:
    """Keys of items whose TTL lies in the past (but not over five years)."""
    oldest = max(0, math.floor(now) - IGNORED_AFTER_SECONDS)
    cursor = txn.cursor(db=store.ttl)
    keys: list[bytes] = []
    if not cursor.set_range(table_id + _EXPIRY.pack(oldest)):
        return keys
    for key, item_key in cursor:
        if not key.startswith(table_id) or _EXPIRY.unpack(key[4:12])[0] >= now:
            break
        keys.append(item_key)
        if len(keys) >= MAX_DELETES_PER_PASS:
            break
    return keys

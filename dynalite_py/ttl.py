"""Time to Live: an expiry index kept with the items, and the expiry pass.

For each item of a TTL-enabled table whose TTL attribute is a Number the
expiry index (storage/ttl.py) has an entry by expiry time. It is written
in the item's own transaction (ItemWriter.write calls `update_index`),
so the background pass finds expired items with a range read instead of a
table scan, and deletes them through the normal delete path: stats, stream
record (REMOVE with the TTL service identity), indexes.
"""
from __future__ import annotations

import math

from .storage.interface import Handle, WriteContext
from .storage.items import ItemRecords
from .storage.ttl import ExpiryIndex

# DynamoDB leaves alone items whose TTL is more than five years in the past.
IGNORED_AFTER_SECONDS = 5 * 365 * 24 * 3600
MAX_DELETES_PER_PASS = 1000


def expiry_of(item: dict | None, attribute: str) -> int | None:
    """The item's expiry time in whole epoch seconds, if its TTL attribute is a Number."""
    if item is None:
        return None
    value = item.get(attribute)
    if not value or "N" not in value:
        return None
    seconds = math.floor(float(value["N"]))
    return seconds if 0 <= seconds < 2 ** 63 else None


def update_index(ctx: WriteContext, expiry: ExpiryIndex, table_id: bytes, attribute: str,
                 item_key: bytes, old: dict | None, new: dict | None) -> None:
    old_expiry, new_expiry = expiry_of(old, attribute), expiry_of(new, attribute)
    if old_expiry == new_expiry:
        return
    if old_expiry is not None:
        expiry.remove(ctx.txn, table_id, old_expiry, item_key)
    if new_expiry is not None:
        expiry.add(ctx.txn, table_id, new_expiry, item_key)


def build_index(ctx: WriteContext, items: ItemRecords, expiry: ExpiryIndex, table_id: bytes,
                attribute: str) -> None:
    """Index every existing item of a table (TTL was just enabled)."""
    for key, item in items.of_table(ctx.txn, table_id):
        seconds = expiry_of(item, attribute)
        if seconds is not None:
            expiry.add(ctx.txn, table_id, seconds, key)


def expired_item_keys(txn: Handle, expiry: ExpiryIndex, table_id: bytes,
                      now: float) -> list[bytes]:
    """Keys of items whose TTL lies in the past (but not over five years)."""
    oldest = max(0, math.floor(now) - IGNORED_AFTER_SECONDS)
    return expiry.due(txn, table_id, oldest, now, MAX_DELETES_PER_PASS)

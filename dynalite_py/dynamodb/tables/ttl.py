"""Time to Live: the expiry index kept with the items.

For each item of a TTL-enabled table whose TTL attribute is a Number the
expiry index (storage/ttl.py) has an entry by expiry time. It is written
in the item's own transaction (ItemWriter.write calls `update_index`), and
built for the existing items when TTL is enabled (`build_index`), so the
background pass (jobs/ttl.py) finds expired items with a range read
instead of a table scan.
"""
from __future__ import annotations

import math

from ...storage.interface import WriteContext
from ...storage.items import ItemRecords
from ...storage.ttl import ExpiryIndex


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



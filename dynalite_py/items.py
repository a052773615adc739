"""Reading and writing stored items: the one place every item write goes.

A stored value is msgpack([size, item]): the item in wire form plus its
DynamoDB size, so a write knows the old item's size (for capacity and
TableSizeBytes) without recomputing it. Index entries and stream records
will hook into `write_item`, so they commit in the same transaction.
"""
from __future__ import annotations

import lmdb

from .catalog import Table
from .model.keys import item_key
from .storage import Store, WriteContext, pack, unpack


class StoredItem:
    __slots__ = ("item", "size")

    def __init__(self, item: dict, size: int) -> None:
        self.item = item
        self.size = size


def key_of(table: Table, key_or_item: dict) -> bytes:
    return item_key(table.id, table.hash_name, table.range_name, key_or_item)


def decode(raw: bytes) -> StoredItem:
    size, item = unpack(raw)
    return StoredItem(item, size)


def read_item(txn: lmdb.Transaction, store: Store, key: bytes) -> StoredItem | None:
    raw = txn.get(key, db=store.items)
    return decode(raw) if raw is not None else None


def write_item(ctx: WriteContext, store: Store, table: Table, key: bytes,
               new_item: dict | None, new_size: int = 0) -> StoredItem | None:
    """Put `new_item` (or delete, when None) under `key`; return the old item."""
    old = read_item(ctx.txn, store, key)
    if new_item is None:
        if old is None:
            return None
        ctx.txn.delete(key, db=store.items)
    else:
        ctx.txn.put(key, pack([new_size, new_item]), db=store.items)
    old_size = old.size if old else 0
    count_delta = (new_item is not None) - (old is not None)
    ctx.count_item(table.id, count_delta, new_size - old_size)
    return old

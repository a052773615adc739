"""Reading and writing stored items: the one place every item write goes.

A stored value is msgpack([size, item]): the item in wire form plus its
DynamoDB size, so a write knows the old item's size (for capacity and
TableSizeBytes) without recomputing it, or even decoding the item: a put
that replaces an item on a plain table never looks at the old one.
Everything derived from an item change (table stats, the stream record;
index entries later) is written by `ItemWriter.write` in the caller's
transaction, so it commits with the item.
"""
from __future__ import annotations

from typing import Callable

import lmdb

from . import indexes, item_collections, streams, ttl
from .catalog import Table
from .config import Config
from .model.keys import item_key
from .storage.codec import pack, unpack
from .storage.interface import Store, WriteContext

# msgpack's unsigned integer tags -> their widths in bytes
_UINT_WIDTHS = {0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8}


class StoredItem:
    """An item as stored, decoded on first use: reading the item decodes the
    whole value; reading only the size takes it from the value's header."""
    __slots__ = ("_raw", "_item", "_size")

    def __init__(self, raw: bytes) -> None:
        self._raw = raw
        self._item: dict | None = None
        self._size: int | None = None

    @property
    def item(self) -> dict:
        if self._item is None:
            self._size, self._item = unpack(self._raw)
        return self._item

    @property
    def size(self) -> int:
        if self._size is None:
            tag = self._raw[1]  # _raw[0] is the array header of [size, item]
            self._size = tag if tag < 0x80 else int.from_bytes(
                self._raw[2:2 + _UINT_WIDTHS[tag]], "big")
        return self._size


def key_of(table: Table, key_or_item: dict) -> bytes:
    return item_key(table.id, table.hash_name, table.range_name, key_or_item)


def read_item(txn: lmdb.Transaction, store: Store, key: bytes) -> StoredItem | None:
    raw = txn.get(key, None, store.items)  # positional: py-lmdb parses keywords slowly
    return StoredItem(raw) if raw is not None else None


def read_decoded(txn: lmdb.Transaction, store: Store, key: bytes) -> tuple[int, dict] | None:
    """(size, item) of the item under `key`, decoded at once: for a read that
    needs both (GetItem), without a StoredItem's lazy steps."""
    raw = txn.get(key, None, store.items)  # positional, as in read_item
    return unpack(raw) if raw is not None else None


class ItemWriter:
    """Applies item changes and everything derived from them."""

    def __init__(self, store: Store, config: Config, clock: Callable[[], float]) -> None:
        self.store = store
        self.config = config
        self.clock = clock

    def write(self, ctx: WriteContext, table: Table, key: bytes, new_item: dict | None,
              new_size: int = 0, user_identity: dict | None = None) -> StoredItem | None:
        """Put `new_item` (or delete, when None) under `key`; return the old item."""
        old = read_item(ctx.txn, self.store, key)
        self.commit(ctx, table, key, old, new_item, new_size, user_identity)
        return old

    def commit(self, ctx: WriteContext, table: Table, key: bytes, old: StoredItem | None,
               new_item: dict | None, new_size: int = 0,
               user_identity: dict | None = None) -> int | None:
        """Replace `old` (as read in this transaction) by `new_item`, or
        delete it when None, with everything derived from the change.
        Returns the item collection's new size on tables with LSIs."""
        store = self.store
        new_raw = None
        if new_item is None:
            if old is None:
                return None
            ctx.txn.delete(key, db=store.items)
        else:
            new_raw = pack([new_size, new_item])
            ctx.txn.put(key, new_raw, db=store.items)
        old_size = old.size if old else 0
        ctx.count_item(table.id, (new_item is not None) - (old is not None), new_size - old_size)
        if table.indexes:
            indexes.update_entries(ctx, store, table.indexes, key,
                                   old.item if old else None, new_item)
        if table.ttl_attribute is not None:
            ttl.update_index(ctx, store, table.id, table.ttl_attribute, key,
                             old.item if old else None, new_item)
        if table.stream_number is not None:
            self._emit(ctx, table, old, new_item, new_raw, new_size, user_identity)
        if not table.has_local_indexes:
            return None
        change = item_collections.size_change(table, old.item if old else None, new_item,
                                              old_size, new_size)
        return item_collections.resize(ctx, store, key, change, self.config.item_collection_limit)

    def _emit(self, ctx: WriteContext, table: Table, old: StoredItem | None,
              new: dict | None, new_raw: bytes | None, new_size: int,
              user_identity: dict | None) -> None:
        """Append the stream record of a change; a write that leaves the item
        as it was appends none. The images go in as stored (see streams.py)."""
        if new is not None and old is not None and _unchanged(old, new, new_raw):
            return
        source = new if new is not None else old.item
        keys = {name: source[name] for name in table.key_names}
        streams.emit_change(ctx, self.store, table.stream_number, table.stream_view_type,
                            self.config.region, keys, old._raw if old else None, new_raw,
                            (old.size if old else 0, new_size), self.clock(),
                            self.config.stream_shard_rollover, user_identity)


def _unchanged(old: StoredItem, new: dict, new_raw: bytes) -> bool:
    """Whether a write leaves the item as it was. Equal items pack to the same
    length; only then is the old one decoded (its attributes may be stored in
    another order)."""
    return len(old._raw) == len(new_raw) and (old._raw == new_raw or old.item == new)

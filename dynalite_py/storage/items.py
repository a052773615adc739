"""The items repository: stored items under their keys (model/keys.py), and
the counts kept beside them (item count and bytes per table, index and item
collection).

A stored item is msgpack([size, item]): the item in wire form plus its
DynamoDB size, so a write knows the old item's size (capacity and
TableSizeBytes) without recomputing it, or even decoding the item
(`StoredItem` decodes on first use).
"""
from __future__ import annotations

from typing import Iterator

from ..model.keys import ITEM_LAYOUT, PARTITION_PREFIX_BYTES
from .codec import pack, unpack
from .interface import Handle, Store
from .partitions import OrderedRecords, prefix_entries

# msgpack's unsigned integer tags -> their widths in bytes
_UINT_WIDTHS = {0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8}


class StoredItem:
    """An item as stored, decoded on first use: reading the item decodes the
    whole value; reading only the size takes it from the value's header."""
    __slots__ = ("raw", "_item", "_size")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._item: dict | None = None
        self._size: int | None = None

    @property
    def item(self) -> dict:
        if self._item is None:
            self._size, self._item = unpack(self.raw)
        return self._item

    @property
    def size(self) -> int:
        if self._size is None:
            tag = self.raw[1]  # raw[0] is the array header of [size, item]
            self._size = tag if tag < 0x80 else int.from_bytes(
                self.raw[2:2 + _UINT_WIDTHS[tag]], "big")
        return self._size


class ItemRecords(OrderedRecords):
    """Items by key, with a table's range reads (OrderedRecords)."""

    def __init__(self, store: Store) -> None:
        space = store.keyspace("items")
        super().__init__(space, ITEM_LAYOUT, StoredItem)
        self._get = space.get
        self._put = space.put
        self.delete = space.delete  # delete(txn, key): the keyspace's own

    def put(self, txn: Handle, key: bytes, size: int, item: dict) -> bytes:
        """Store an item of `size`; return its stored value (StoredItem.raw)."""
        raw = pack([size, item])
        self._put(txn, key, raw)
        return raw

    def read(self, txn: Handle, key: bytes) -> StoredItem | None:
        raw = self._get(txn, key)
        return StoredItem(raw) if raw is not None else None

    def read_decoded(self, txn: Handle, key: bytes) -> tuple[int, dict] | None:
        """(size, item) under `key`, decoded at once: for a read that needs
        both (GetItem), without a StoredItem's lazy steps."""
        raw = self._get(txn, key)
        return unpack(raw) if raw is not None else None

    def of_table(self, txn: Handle, table_id: bytes, after: bytes | None = None
                 ) -> Iterator[tuple[bytes, dict]]:
        """(key, item) of every item of a table in key order, after `after`."""
        for key, raw in prefix_entries(self._space, txn, table_id, seek=after):
            if key != after:
                yield key, unpack(raw)[1]

    def stored_after(self, txn: Handle, table_id: bytes, after: bytes | None, limit: int
                     ) -> list[tuple[bytes, bytes]]:
        """Up to `limit` (key, stored value) pairs of a table in key order,
        after the key `after` (a backup's or a restore's next batch)."""
        found = []
        for key, raw in prefix_entries(self._space, txn, table_id, seek=after):
            if key != after:
                found.append((key, raw))
                if len(found) >= limit:
                    break
        return found

    def purge(self, txn: Handle, table_id: bytes) -> None:
        """Delete every item of a table."""
        for key in self.owned_keys(txn, table_id):
            self.delete(txn, key)


def index_counts_key(index_id: bytes) -> bytes:
    return b"I" + index_id


def collection_key(table_key: bytes) -> bytes:
    """The counts key of the item collection (table and partition) of an item."""
    return b"C" + table_key[:PARTITION_PREFIX_BYTES]


class Counts:
    """[item count, bytes] per table (its id), index (index_counts_key) and
    item collection (collection_key); changed through WriteContext.count_item,
    applied at commit."""

    def __init__(self, store: Store) -> None:
        space = store.keyspace("stats")
        self._get = space.get
        self.delete = space.delete

    def get(self, txn: Handle, key: bytes) -> tuple[int, int]:
        current = self._get(txn, key)
        return tuple(unpack(current)) if current else (0, 0)

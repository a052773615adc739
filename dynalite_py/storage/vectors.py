"""The vector entries repository: one entry per item in a vector index,
in the indexes keyspace under the vector index's own id (index numbers are
unique across GSIs, LSIs and vector indexes): index id | hash of the
search-schema HASH value | tiebreak of the table key. An entry is
msgpack([size, table key, float32 vector bytes, search-schema attributes,
msgpack(projected item)]), so a search reads a partition's vectors as
packed floats and filters on the few search-schema values, decoding only
the projected items it returns."""
from __future__ import annotations

from typing import Iterator

from ..model.keys import composite_partition_hash, tiebreak
from .codec import pack, unpack
from .interface import Handle, Store
from .items import Counts, index_counts_key
from .partitions import prefix_entries


class VectorEntry:
    """A stored entry: its size, the item's table key, vector, search-schema
    attribute values and projected item (kept packed until asked for)."""

    __slots__ = ("size", "table_key", "vector", "searched", "packed_item")

    def __init__(self, size: int, table_key: bytes, vector: bytes, searched: dict,
                 packed_item: bytes) -> None:
        self.size = size
        self.table_key = table_key
        self.vector = vector
        self.searched = searched
        self.packed_item = packed_item

    @classmethod
    def of(cls, size: int, table_key: bytes, vector: bytes, searched: dict,
           item: dict) -> "VectorEntry":
        return cls(size, table_key, vector, searched, pack(item))

    @property
    def item(self) -> dict:
        return unpack(self.packed_item)


def vector_entry_key(index_id: bytes, partition: list[dict], table_key: bytes) -> bytes:
    """`partition` is the item's search-schema HASH value ([] without one)."""
    return partition_prefix(index_id, partition) + tiebreak(table_key)


def partition_prefix(index_id: bytes, partition: list[dict]) -> bytes:
    return index_id + composite_partition_hash(partition)


class VectorEntries:
    """Entries of vector indexes, read a partition at a time."""

    def __init__(self, store: Store, counts: Counts) -> None:
        self._space = store.keyspace("indexes")
        self._counts = counts

    def size(self, txn: Handle, key: bytes) -> int | None:
        raw = self._space.get(txn, key)
        return unpack(raw)[0] if raw is not None else None

    def put(self, txn: Handle, key: bytes, entry: VectorEntry) -> None:
        self._space.put(txn, key, pack([entry.size, entry.table_key, entry.vector,
                                        entry.searched, entry.packed_item]))

    def delete(self, txn: Handle, key: bytes) -> None:
        self._space.delete(txn, key)

    def partition(self, txn: Handle, prefix: bytes) -> Iterator[VectorEntry]:
        """Every entry under a partition prefix (or a whole index's id)."""
        for _, raw in prefix_entries(self._space, txn, prefix):
            yield VectorEntry(*unpack(raw))

    def drop(self, txn: Handle, index_id: bytes) -> None:
        """Delete every entry of a vector index and its counts."""
        for key, _ in list(prefix_entries(self._space, txn, index_id)):
            self._space.delete(txn, key)
        self._counts.delete(txn, index_counts_key(index_id))

"""The vector entries repository: one entry per item in a vector index,
in the indexes keyspace under the vector index's own id (index numbers are
unique across GSIs, LSIs and vector indexes): index id | hash of the
search-schema HASH value | tiebreak of the table key. An entry is
msgpack([size, table key, float32 vector bytes, search-schema attributes,
msgpack(projected item)]), so a search reads a partition's vectors as
packed floats and filters on the few search-schema values, decoding only
the projected items it returns.

Every put and delete of an entry also takes the index's next change number
(Store.next_value, in the same transaction) and logs the entry's key under
it in the meta keyspace, so an approximate-search graph built or loaded at
change N catches up by reading the changes after N (VectorChanges); the
log keeps the last CHANGES_KEPT changes of each index (a graph older than
that is rebuilt). The number is one counter per index: concurrent writers
of one vector index serialize on it."""
from __future__ import annotations

from typing import Iterator

from ..model.keys import INDEX_LAYOUT, composite_partition_hash, tiebreak
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


def entry_partition(key: bytes) -> bytes:
    """The partition prefix of an entry's key."""
    return key[:len(key) - INDEX_LAYOUT.tiebreak_bytes]


CHANGES_KEPT = 200_000
_CHANGE_COUNTER = b"vector-changes:"
_CHANGE_LOG = b"vector-change:"


class VectorChanges:
    """Each vector index's numbered log of changed entry keys."""

    def __init__(self, store: Store) -> None:
        self._next_value = store.next_value
        self._meta = store.keyspace("meta")

    def record(self, txn: Handle, index_id: bytes, key: bytes) -> None:
        number = self._next_value(txn, _CHANGE_COUNTER + index_id)
        self._meta.put(txn, _change_key(index_id, number), key)
        if number > CHANGES_KEPT:
            self._meta.delete(txn, _change_key(index_id, number - CHANGES_KEPT))

    def last(self, txn: Handle, index_id: bytes) -> int:
        """The number of the index's latest change (0: none yet)."""
        raw = self._meta.get(txn, _CHANGE_COUNTER + index_id)
        return int(raw) if raw else 0

    def since(self, txn: Handle, index_id: bytes, after: int) -> list[bytes] | None:
        """Entry keys changed after change `after`, oldest first (a key may
        repeat); None when the log no longer reaches back that far."""
        last = self.last(txn, index_id)
        if last - after > CHANGES_KEPT:
            return None
        return [key for _, key in self._meta.range(
            txn, _change_key(index_id, after + 1), _change_key(index_id, last + 1))]

    def drop(self, txn: Handle, index_id: bytes) -> None:
        for key, _ in list(prefix_entries(self._meta, txn, _CHANGE_LOG + index_id)):
            self._meta.delete(txn, key)
        self._meta.delete(txn, _CHANGE_COUNTER + index_id)


def _change_key(index_id: bytes, number: int) -> bytes:
    return _CHANGE_LOG + index_id + number.to_bytes(8, "big")


class VectorEntries:
    """Entries of vector indexes, read a partition at a time."""

    def __init__(self, store: Store, counts: Counts) -> None:
        self._space = store.keyspace("indexes")
        self._counts = counts
        self.changes = VectorChanges(store)

    def get(self, txn: Handle, key: bytes) -> VectorEntry | None:
        raw = self._space.get(txn, key)
        return VectorEntry(*unpack(raw)) if raw is not None else None

    def size(self, txn: Handle, key: bytes) -> int | None:
        raw = self._space.get(txn, key)
        return unpack(raw)[0] if raw is not None else None

    def put(self, txn: Handle, index_id: bytes, key: bytes, entry: VectorEntry) -> None:
        self._space.put(txn, key, pack([entry.size, entry.table_key, entry.vector,
                                        entry.searched, entry.packed_item]))
        self.changes.record(txn, index_id, key)

    def delete(self, txn: Handle, index_id: bytes, key: bytes) -> None:
        self._space.delete(txn, key)
        self.changes.record(txn, index_id, key)

    def partition(self, txn: Handle, prefix: bytes) -> Iterator[tuple[bytes, VectorEntry]]:
        """(key, entry) of every entry under a partition prefix (or a whole
        index's id)."""
        for key, raw in prefix_entries(self._space, txn, prefix):
            yield key, VectorEntry(*unpack(raw))

    def drop(self, txn: Handle, index_id: bytes) -> None:
        """Delete every entry of a vector index and its counts."""
        for key, _ in list(prefix_entries(self._space, txn, index_id)):
            self._space.delete(txn, key)
        self._counts.delete(txn, index_counts_key(index_id))
        self.changes.drop(txn, index_id)

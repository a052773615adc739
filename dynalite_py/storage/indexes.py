"""The index entries repository: secondary index entries keyed as
model/keys.py lays out (index id | hash of the index partition key | index
sort component | tiebreak), each msgpack([size, table key, projected item]),
and the position of an index's backfill."""
from __future__ import annotations

from ..model.keys import INDEX_LAYOUT
from .codec import pack, unpack
from .interface import Handle, Store
from .items import Counts, index_counts_key
from .partitions import OrderedRecords

_BACKFILL_PREFIX = b"backfill:"


def decode_entry(raw: bytes) -> tuple[int, bytes, dict]:
    """(size, table key bytes, projected item) of a stored index entry."""
    size, table_key, projected = unpack(raw)
    return size, table_key, projected


class IndexEntries(OrderedRecords):
    """Entries by key, with an index's range reads (OrderedRecords)."""

    def __init__(self, store: Store, counts: Counts) -> None:
        space = store.keyspace("indexes")
        super().__init__(space, INDEX_LAYOUT, decode_entry)
        self._get = space.get
        self._put = space.put
        self._delete = space.delete
        self._counts = counts
        # not meta, which every write reads (the catalog version): on
        # PostgreSQL a batch writing its position there conflicted with
        # every concurrent write (SSI), so under a steady write load a
        # backfill lost every retry. Earlier releases kept it in meta: a
        # backfill in progress across the upgrade walks again from the start
        # (it adds only what is missing).
        self._positions = store.keyspace("checkpoints")

    def size(self, txn: Handle, key: bytes) -> int | None:
        """The size of the entry under `key`; None when there is none."""
        raw = self._get(txn, key)
        return unpack(raw)[0] if raw is not None else None

    def put(self, txn: Handle, key: bytes, size: int, table_key: bytes,
            projected: dict) -> None:
        self._put(txn, key, pack([size, table_key, projected]))

    def delete(self, txn: Handle, key: bytes) -> None:
        self._delete(txn, key)

    def drop(self, txn: Handle, index_id: bytes) -> None:
        """Delete every entry of an index, its counts and backfill position."""
        for key in self.owned_keys(txn, index_id):
            self._delete(txn, key)
        self._counts.delete(txn, index_counts_key(index_id))
        self._positions.delete(txn, _BACKFILL_PREFIX + index_id)

    def backfill_position(self, txn: Handle, index_id: bytes) -> bytes | None:
        """The table key a backfill of the index has reached, if it started."""
        return self._positions.get(txn, _BACKFILL_PREFIX + index_id)

    def set_backfill_position(self, txn: Handle, index_id: bytes, key: bytes | None) -> None:
        if key is None:
            self._positions.delete(txn, _BACKFILL_PREFIX + index_id)
        else:
            self._positions.put(txn, _BACKFILL_PREFIX + index_id, key)

"""The change history repository, for tables with point-in-time recovery on:

    table id (4) | change time, epoch µs (8) | BLAKE2b-128(item key)
        ->  msgpack [item key, the item as stored before the change, or None]

An undo log: every write to such a table records, in the write's own
transaction, what the item was before. The table as it was at time T is
then the table as it is now with, for each item changed after T, the
image recorded by its first change after T (model: `state_at`). So
restoring needs only the records after T, and trimming the history to the
recovery period is deleting a key range from the table's start; a table
without PITR has no records and its writes never look here.

Two changes of one item within the same microsecond share a key; the first
one's record (the older image) is kept, which is the one a restore needs.
"""
from __future__ import annotations

import struct
from hashlib import blake2b
from typing import Iterator

from .codec import pack, unpack
from .interface import Handle, Store, prefix_end

_TIME = struct.Struct(">Q")


def _micros(when: float) -> int:
    return max(0, int(when * 1_000_000))


class ChangeHistory:
    """Per-table undo records of PITR tables, in change-time order."""

    def __init__(self, store: Store) -> None:
        space = store.keyspace("history")
        self._space = space
        self._get = space.get
        self._put = space.put

    def record(self, txn: Handle, table_id: bytes, when: float, item_key: bytes,
               old_raw: bytes | None) -> None:
        """Remember the item under `item_key` was `old_raw` before a change
        at `when` (in the change's write transaction)."""
        key = table_id + _TIME.pack(_micros(when)) + blake2b(item_key, digest_size=16).digest()
        if self._get(txn, key) is None:
            self._put(txn, key, pack([item_key, old_raw]))

    def changes_after(self, txn: Handle, table_id: bytes, when: float
                      ) -> Iterator[tuple[bytes, bytes | None]]:
        """(item key, image before the change) of every change strictly
        after `when`, oldest first."""
        start = table_id + _TIME.pack(_micros(when) + 1)
        for _, raw in self._space.range(txn, start, prefix_end(table_id)):
            item_key, old_raw = unpack(raw)
            yield item_key, old_raw

    def changes_between(self, txn: Handle, table_id: bytes, start: float, end: float | None
                        ) -> Iterator[tuple[int, bytes, bytes | None]]:
        """(change time in µs, item key, image before the change) of every
        change at or after `start` and before `end` (None: up to now),
        oldest first: an incremental export's period."""
        low = table_id + _TIME.pack(_micros(start))
        high = table_id + _TIME.pack(_micros(end)) if end is not None else prefix_end(table_id)
        for key, raw in self._space.range(txn, low, high):
            item_key, old_raw = unpack(raw)
            yield _TIME.unpack_from(key, len(table_id))[0], item_key, old_raw

    def state_at(self, txn: Handle, table_id: bytes, when: float) -> dict[bytes, bytes | None]:
        """The items changed after `when`, by item key, as they were at
        `when` (None: the item did not exist)."""
        state: dict[bytes, bytes | None] = {}
        for item_key, old_raw in self.changes_after(txn, table_id, when):
            state.setdefault(item_key, old_raw)
        return state

    def trim(self, txn: Handle, table_id: bytes, before: float, limit: int) -> bool:
        """Delete up to `limit` records older than `before`; True when none
        are left to delete."""
        keys = []
        for key, _ in self._space.range(txn, table_id, table_id + _TIME.pack(_micros(before))):
            keys.append(key)
            if len(keys) >= limit:
                break
        for key in keys:
            self._space.delete(txn, key)
        return len(keys) < limit

    def has_records_before(self, txn: Handle, table_id: bytes, before: float) -> bool:
        for _ in self._space.range(txn, table_id, table_id + _TIME.pack(_micros(before))):
            return True
        return False

    def drop(self, txn: Handle, table_id: bytes, limit: int | None = None) -> bool:
        """Forget a table's history (PITR turned off, table deleted), at most
        `limit` records at a time; True when it is all gone."""
        keys = []
        for key, _ in self._space.prefixed(txn, table_id):
            keys.append(key)
            if limit is not None and len(keys) >= limit:
                break
        for key in keys:
            self._space.delete(txn, key)
        return limit is None or len(keys) < limit

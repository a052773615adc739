"""The backups repository: on-demand backups and the progress of restores.

    R + backup id                 ->  msgpack backup record (details, source table)
    I + backup id + | + item key  ->  the item as stored in the table (msgpack [size, item])
    P + target table id           ->  the last source key a restore has written

A backup id is "<epoch ms, 14 digits>-<8 hex>" (as AWS spells the end of a
backup ARN), so records sort by creation time. A backup's items keep their
table key without its table id (the 4 bytes every item key starts with),
so a restore puts them under the new table's id in the same order.
"""
from __future__ import annotations

from typing import Iterator

from .codec import pack, unpack
from .interface import Handle, Store, prefix_end

_RECORD, _ITEM, _POSITION = b"R", b"I", b"P"


def _items_prefix(backup_id: str) -> bytes:
    return _ITEM + backup_id.encode() + b"|"


class BackupRecords:
    """Backup records, their items, and restore positions."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("backups")

    def get(self, txn: Handle, backup_id: str) -> dict | None:
        raw = self._space.get(txn, _RECORD + backup_id.encode())
        return unpack(raw) if raw is not None else None

    def put(self, txn: Handle, record: dict) -> None:
        self._space.put(txn, _RECORD + record["id"].encode(), pack(record))

    def all(self, txn: Handle, after: str | None = None) -> Iterator[dict]:
        """Every record in creation order, after the id `after`."""
        start = _RECORD + after.encode() + b"\x00" if after else _RECORD
        for _, raw in self._space.range(txn, start, prefix_end(_RECORD)):
            yield unpack(raw)

    def add_items(self, txn: Handle, backup_id: str, entries: list[tuple[bytes, bytes]]) -> None:
        """Store (key without table id, stored value) pairs of a backup."""
        prefix = _items_prefix(backup_id)
        for key, raw in entries:
            self._space.put(txn, prefix + key, raw)

    def items(self, txn: Handle, backup_id: str, after: bytes | None, limit: int
              ) -> list[tuple[bytes, bytes]]:
        """Up to `limit` (key without table id, stored value) pairs in key
        order, after the key `after`."""
        prefix = _items_prefix(backup_id)
        start = prefix + after + b"\x00" if after is not None else prefix
        found = []
        for key, raw in self._space.range(txn, start, prefix_end(prefix)):
            found.append((key[len(prefix):], raw))
            if len(found) >= limit:
                break
        return found

    def delete(self, txn: Handle, backup_id: str, limit: int | None = None) -> bool:
        """Delete a backup's items (at most `limit` of them in this call) and,
        once none are left, its record; True when it is all gone."""
        prefix = _items_prefix(backup_id)
        keys = []
        for key, _ in self._space.range(txn, prefix, prefix_end(prefix)):
            keys.append(key)
            if limit is not None and len(keys) >= limit:
                break
        for key in keys:
            self._space.delete(txn, key)
        if limit is not None and len(keys) >= limit:
            return False
        self._space.delete(txn, _RECORD + backup_id.encode())
        return True

    def restore_position(self, txn: Handle, table_id: bytes) -> bytes | None:
        return self._space.get(txn, _POSITION + table_id)

    def set_restore_position(self, txn: Handle, table_id: bytes, key: bytes | None) -> None:
        if key is None:
            self._space.delete(txn, _POSITION + table_id)
        else:
            self._space.put(txn, _POSITION + table_id, key)

"""The expiry index repository, for tables with Time to Live on:

    table id (4) | expiry epoch seconds (8) | BLAKE2b-64(item key)  ->  item key

so the TTL pass finds expired items with a range read, not a table scan."""
from __future__ import annotations

import struct
from hashlib import blake2b

from .interface import Handle, Store, prefix_end

_EXPIRY = struct.Struct(">Q")


def _entry_key(table_id: bytes, expiry: int, item_key: bytes) -> bytes:
    return table_id + _EXPIRY.pack(expiry) + blake2b(item_key, digest_size=8).digest()


class ExpiryIndex:
    """Items of TTL tables by expiry time."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("ttl")

    def add(self, txn: Handle, table_id: bytes, expiry: int, item_key: bytes) -> None:
        self._space.put(txn, _entry_key(table_id, expiry, item_key), item_key)

    def remove(self, txn: Handle, table_id: bytes, expiry: int, item_key: bytes) -> None:
        self._space.delete(txn, _entry_key(table_id, expiry, item_key))

    def due(self, txn: Handle, table_id: bytes, oldest: int, now: float,
            limit: int) -> list[bytes]:
        """Keys of a table's items expiring in [oldest, now), soonest first,
        at most `limit`."""
        keys: list[bytes] = []
        for key, item_key in self._space.range(txn, table_id + _EXPIRY.pack(oldest),
                                               prefix_end(table_id)):
            if _EXPIRY.unpack(key[4:12])[0] >= now:
                break
            keys.append(item_key)
            if len(keys) >= limit:
                break
        return keys

    def drop(self, txn: Handle, table_id: bytes) -> None:
        """Forget a table's whole index (TTL turned off, table deleted)."""
        keys = [key for key, _ in self._space.prefixed(txn, table_id)]
        for key in keys:
            self._space.delete(txn, key)

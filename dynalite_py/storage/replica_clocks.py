"""The replica clocks repository: per item of a global table, the stamp of
its last write, [time, origin region], which replication's last writer
wins compares (dynamodb/tables/replicas.py, jobs/replication.py).

  b"R" + table id + blake2b-16(item key) -> msgpack [time, region]
Kept in the "stats" keyspace beside the counts (keyed by engine-wide table
ids, so not namespaced; no counts key starts with b"R"). The item key is
hashed so a maximum-size key still fits LMDB's 511-byte key budget; a
deleted item keeps its stamp, so an older write cannot bring it back.
"""
from __future__ import annotations

from hashlib import blake2b

from .codec import pack, unpack
from .interface import Handle, Store

_PREFIX = b"R"


def _clock_key(table_id: bytes, item_key: bytes) -> bytes:
    return _PREFIX + table_id + blake2b(item_key, digest_size=16).digest()


class ReplicaClocks:
    """The last-write stamp of each item of a global table."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("stats")

    def stamp(self, txn: Handle, table_id: bytes, item_key: bytes) -> tuple[float, str] | None:
        raw = self._space.get(txn, _clock_key(table_id, item_key))
        return tuple(unpack(raw)) if raw is not None else None

    def set_stamp(self, txn: Handle, table_id: bytes, item_key: bytes,
                  stamp: tuple[float, str]) -> None:
        self._space.put(txn, _clock_key(table_id, item_key), pack(list(stamp)))

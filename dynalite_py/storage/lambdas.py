"""The Lambda repositories: function records, event source mappings, the
trigger bridge's checkpoints and last results, and on-failure records.

  lambda       b"F" + function name      -> msgpack function record
               b"M" + mapping UUID       -> msgpack mapping
               b"D" + destination ARN + b"|" + time-ordered id -> JSON record
  checkpoints  UUID + b"|" + shard id    -> next sequence number (decimal text)
               b"R|" + UUID              -> LastProcessingResult (text)
The text and JSON values are kept as earlier releases wrote them, so an
existing data directory reads the same.
"""
from __future__ import annotations

import json
import time

from .codec import pack, unpack
from .interface import Handle, Store


class _Records:
    """msgpack records under one key prefix of the lambda keyspace."""

    def __init__(self, store: Store, prefix: bytes) -> None:
        self._space = store.keyspace("lambda")
        self._prefix = prefix

    def get(self, txn: Handle, name: str) -> dict | None:
        raw = self._space.get(txn, self._prefix + name.encode())
        return unpack(raw) if raw is not None else None

    def all(self, txn: Handle) -> list[dict]:
        return [unpack(value) for _, value in self._space.prefixed(txn, self._prefix)]

    def put(self, txn: Handle, name: str, record: dict) -> None:
        self._space.put(txn, self._prefix + name.encode(), pack(record))

    def delete(self, txn: Handle, name: str) -> None:
        self._space.delete(txn, self._prefix + name.encode())


class FunctionRecords(_Records):
    """Function records by function name."""

    def __init__(self, store: Store) -> None:
        super().__init__(store, b"F")


class MappingRecords(_Records):
    """Event source mappings by UUID."""

    def __init__(self, store: Store) -> None:
        super().__init__(store, b"M")


class Checkpoints:
    """Where each mapping's consumer is in each shard, and its last result."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("checkpoints")

    def position(self, txn: Handle, mapping_id: str, shard_id: str) -> int | None:
        raw = self._space.get(txn, f"{mapping_id}|{shard_id}".encode())
        return int(raw) if raw is not None else None

    def set_position(self, txn: Handle, mapping_id: str, shard_id: str, position: int) -> None:
        self._space.put(txn, f"{mapping_id}|{shard_id}".encode(), str(position).encode())

    def result(self, txn: Handle, mapping_id: str) -> str | None:
        raw = self._space.get(txn, b"R|" + mapping_id.encode())
        return raw.decode() if raw is not None else None

    def set_result(self, txn: Handle, mapping_id: str, text: str) -> None:
        self._space.put(txn, b"R|" + mapping_id.encode(), text.encode())


class FailureRecords:
    """On-failure records by destination ARN, oldest first."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("lambda")

    def add(self, txn: Handle, destination: str, record: dict) -> None:
        key = b"D" + destination.encode() + b"|" + f"{time.time_ns():020d}".encode()
        self._space.put(txn, key, json.dumps(record).encode())

    def of(self, txn: Handle, destination: str) -> list[dict]:
        prefix = b"D" + destination.encode() + b"|"
        return [json.loads(value) for _, value in self._space.prefixed(txn, prefix)]

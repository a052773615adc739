"""The Lambda repositories: function records, event source mappings, the
trigger bridge's checkpoints and last results, and on-failure records.

  lambda       b"F" + function name      -> msgpack function record
               b"M" + mapping UUID       -> msgpack mapping
               b"D" + destination ARN + b"|" + time-ordered id -> [on-failure record]
               b"V" + function name + b"|" + 10-digit version -> msgpack version record
               b"A" + function name + b"|" + alias name    -> msgpack alias record
               b"P" + function name + b"|" + qualifier     -> msgpack resource policy
               b"C" + function name + b"|" + slot id       -> msgpack concurrency slot
               b"Z" + SHA-256 of a zip (hex)               -> the uploaded zip, as uploaded
               b"I" + function name + b"|" + 20-digit ns time + b"-" + request id
                                                           -> msgpack recent invocation
  checkpoints  UUID + b"|" + shard id    -> [next sequence number]
               b"R|" + UUID              -> [LastProcessingResult]
Bracketed values are msgpack one-element arrays. Earlier releases wrote
checkpoints as decimal text, results as text and on-failure records as
JSON; none of those starts with an array's first byte, so both read back.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable

from .codec import pack, unpack
from .interface import Handle, Store

_ONE_ELEMENT_ARRAY = b"\x91"  # msgpack's first byte of [value]


def _wrapped(value: Any) -> bytes:
    return pack([value])


def _unwrapped(raw: bytes, legacy: Callable[[bytes], Any]) -> Any:
    """A value written by `_wrapped`, or as an earlier release wrote it."""
    return unpack(raw)[0] if raw[:1] == _ONE_ELEMENT_ARRAY else legacy(raw)


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


class FunctionChildren:
    """msgpack records that belong to one function (its versions, aliases,
    policies, concurrency slots), under one key prefix: prefix + function
    name + b"|" + child key. Function names never hold "|", so one
    function's children never run into another's."""

    def __init__(self, store: Store, prefix: bytes) -> None:
        self._space = store.keyspace("lambda")
        self._prefix = prefix

    def _key(self, name: str, child: str) -> bytes:
        return self._prefix + name.encode() + b"|" + child.encode()

    def get(self, txn: Handle, name: str, child: str) -> dict | None:
        raw = self._space.get(txn, self._key(name, child))
        return unpack(raw) if raw is not None else None

    def of(self, txn: Handle, name: str) -> list[dict]:
        """Every child of `name`, in child-key order."""
        prefix = self._prefix + name.encode() + b"|"
        return [unpack(value) for _, value in self._space.prefixed(txn, prefix)]

    def put(self, txn: Handle, name: str, child: str, record: dict) -> None:
        self._space.put(txn, self._key(name, child), pack(record))

    def delete(self, txn: Handle, name: str, child: str) -> bool:
        return self._space.delete(txn, self._key(name, child))

    def delete_all(self, txn: Handle, name: str) -> None:
        prefix = self._prefix + name.encode() + b"|"
        for key in [key for key, _ in self._space.prefixed(txn, prefix)]:
            self._space.delete(txn, key)


class VersionRecords(FunctionChildren):
    """Published versions by function name and number, oldest first."""

    def __init__(self, store: Store) -> None:
        super().__init__(store, b"V")

    def _key(self, name: str, child: str) -> bytes:
        return super()._key(name, f"{int(child):010d}")


class InvocationRecords(FunctionChildren):
    """A function's last invocations (what the admin page shows), oldest
    first: time-ordered keys, the oldest pruned as new ones come."""

    def __init__(self, store: Store) -> None:
        super().__init__(store, b"I")

    def add(self, txn: Handle, name: str, started_ns: int, request_id: str, record: dict,
            kept: int) -> None:
        self.put(txn, name, f"{started_ns:020d}-{request_id}", record)
        prefix = self._prefix + name.encode() + b"|"
        newest_first = [key for key, _ in self._space.prefixed(txn, prefix, reverse=True)]
        for key in newest_first[kept:]:
            self._space.delete(txn, key)


class CodeArchives:
    """Uploaded zips by their SHA-256, each stored once however many
    functions and versions run it."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("lambda")

    def get(self, txn: Handle, digest_hex: str) -> bytes | None:
        raw = self._space.get(txn, b"Z" + digest_hex.encode())
        return bytes(raw) if raw is not None else None

    def put(self, txn: Handle, digest_hex: str, archive: bytes) -> None:
        self._space.put(txn, b"Z" + digest_hex.encode(), archive)


class Checkpoints:
    """Where each mapping's consumer is in each shard, and its last result."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("checkpoints")

    def position(self, txn: Handle, mapping_id: str, shard_id: str) -> int | None:
        raw = self._space.get(txn, f"{mapping_id}|{shard_id}".encode())
        return _unwrapped(raw, int) if raw is not None else None

    def set_position(self, txn: Handle, mapping_id: str, shard_id: str, position: int) -> None:
        self._space.put(txn, f"{mapping_id}|{shard_id}".encode(), _wrapped(position))

    def result(self, txn: Handle, mapping_id: str) -> str | None:
        raw = self._space.get(txn, b"R|" + mapping_id.encode())
        return _unwrapped(raw, bytes.decode) if raw is not None else None

    def set_result(self, txn: Handle, mapping_id: str, text: str) -> None:
        self._space.put(txn, b"R|" + mapping_id.encode(), _wrapped(text))


class FailureRecords:
    """On-failure records by destination ARN, oldest first."""

    def __init__(self, store: Store) -> None:
        self._space = store.keyspace("lambda")

    def add(self, txn: Handle, destination: str, record: dict) -> None:
        key = b"D" + destination.encode() + b"|" + f"{time.time_ns():020d}".encode()
        self._space.put(txn, key, _wrapped(record))

    def of(self, txn: Handle, destination: str) -> list[dict]:
        prefix = b"D" + destination.encode() + b"|"
        return [_unwrapped(value, json.loads) for _, value in self._space.prefixed(txn, prefix)]

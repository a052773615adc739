"""Item key encoding for LMDB, keeping DynamoDB's order within 511-byte keys.

An item's LMDB key is

    table id (4 bytes) | partition hash (16 bytes) | sort component

* The partition hash (BLAKE2b-128 of the typed partition key) places
  partitions in hash order, so a Scan follows a hash of the partition key as
  DynamoDB's does and parallel-scan segments are ranges of that hash space.
  The partition key itself lives in the stored item, so a 2048-byte key
  costs nothing here.
* The sort component keeps sort-key order by plain byte comparison: S as
  UTF-8, B as raw bytes, N in an order-preserving encoding. A sort key is
  always the last component of the key, so no terminator is needed.
* A sort key longer than SORT_INLINE_LIMIT bytes (possible for S and B, up
  to 1024) keeps its first SORT_INLINE_LIMIT bytes followed by a 16-byte
  hash of the whole value. Keys sharing that prefix form a "long group":
  contiguous in LMDB, ordered correctly against every other key, but not
  among themselves. `iterate_partition` sorts each long group by the full
  sort key from the stored items, so range reads are always in order.
"""
from __future__ import annotations

import base64
from hashlib import blake2b
from typing import Iterator

import lmdb

from .numbers import encode_number_key

TABLE_ID_BYTES = 4
PARTITION_HASH_BYTES = 16
PARTITION_PREFIX_BYTES = TABLE_ID_BYTES + PARTITION_HASH_BYTES
SORT_INLINE_LIMIT = 470
LONG_SORT_SUFFIX_BYTES = 16
LONG_KEY_LENGTH = PARTITION_PREFIX_BYTES + SORT_INLINE_LIMIT + LONG_SORT_SUFFIX_BYTES
assert LONG_KEY_LENGTH <= 511  # LMDB's default maximum key size

_TYPE_TAGS = {"S": b"S", "N": b"N", "B": b"B"}


def table_id_bytes(table_number: int) -> bytes:
    return table_number.to_bytes(TABLE_ID_BYTES, "big")


def key_value_bytes(value: dict) -> bytes:
    """The ordered byte form of a scalar key attribute value (wire form)."""
    if "S" in value:
        return value["S"].encode()
    if "N" in value:
        return encode_number_key(value["N"])
    return base64.b64decode(value["B"])


def partition_hash(value: dict) -> bytes:
    (type_name, raw), = value.items()
    data = raw.encode() if type_name != "B" else base64.b64decode(raw)
    return blake2b(_TYPE_TAGS[type_name] + data, digest_size=PARTITION_HASH_BYTES).digest()


def partition_prefix(table_id: bytes, partition_value: dict) -> bytes:
    return table_id + partition_hash(partition_value)


def sort_component(value: dict) -> bytes:
    raw = key_value_bytes(value)
    if len(raw) <= SORT_INLINE_LIMIT:
        return raw
    suffix = blake2b(raw, digest_size=LONG_SORT_SUFFIX_BYTES).digest()
    return raw[:SORT_INLINE_LIMIT] + suffix


def item_key(table_id: bytes, hash_name: str, range_name: str | None, item: dict) -> bytes:
    """The LMDB key of an item (or of a key dict) of a table."""
    prefix = table_id + partition_hash(item[hash_name])
    if range_name is None:
        return prefix
    return prefix + sort_component(item[range_name])


def is_long_group_key(key: bytes) -> bool:
    return len(key) == LONG_KEY_LENGTH


def _prefix_end(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with prefix."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


def iterate_prefix(txn: lmdb.Transaction, db, prefix: bytes,
                   reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
    """Raw (key, value) pairs whose key starts with prefix, in key order."""
    cursor = txn.cursor(db=db)
    if not reverse:
        if not cursor.set_range(prefix):
            return
        for key, value in cursor:
            if not key.startswith(prefix):
                return
            yield key, value
        return
    end = _prefix_end(prefix)
    positioned = cursor.set_range(end) if end is not None else False
    positioned = cursor.prev() if positioned else cursor.last()
    while positioned:
        key, value = cursor.item()
        if not key.startswith(prefix):
            return
        yield key, value
        positioned = cursor.prev()


def iterate_partition(txn: lmdb.Transaction, db, prefix: bytes, range_name: str,
                      decode, reverse: bool = False) -> Iterator[tuple[bytes, dict]]:
    """(key, item) pairs of one partition in sort-key order.

    `decode` turns a stored value into an item. Long groups are gathered and
    sorted by the full sort key before they are yielded.
    """
    group: list[tuple[bytes, dict]] = []
    group_prefix = b""
    for key, value in iterate_prefix(txn, db, prefix, reverse):
        if group and not key.startswith(group_prefix):
            yield from _sorted_group(group, range_name, reverse)
            group = []
        if is_long_group_key(key):
            group_prefix = key[:PARTITION_PREFIX_BYTES + SORT_INLINE_LIMIT]
            group.append((key, decode(value)))
        else:
            yield key, decode(value)
    if group:
        yield from _sorted_group(group, range_name, reverse)


def _sorted_group(group: list[tuple[bytes, dict]], range_name: str,
                  reverse: bool) -> list[tuple[bytes, dict]]:
    return sorted(group, key=lambda entry: key_value_bytes(entry[1][range_name]),
                  reverse=reverse)

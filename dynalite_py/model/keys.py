"""Key encoding, keeping DynamoDB's order by byte comparison within 511-byte
keys (LMDB's limit, kept for every backend).

Items and index entries (storage/items.py, storage/indexes.py) share one
shape:

    owner id (4) | partition hash (16) | sort component | tiebreak

* The owner is a table or an index. The partition hash (BLAKE2b-128 of the
  typed partition key; of the tuple of HASH values for a multi-attribute
  GSI key, see `composite_partition_hash`) places partitions in hash order, so a Scan follows a
  hash of the partition key as DynamoDB's does and parallel-scan segments are
  ranges of that hash space. The partition key itself lives in the stored
  value, so a 2048-byte key costs nothing here.
* The sort component keeps sort-key order by plain byte comparison: S as
  UTF-8, B as raw bytes, N in an order-preserving encoding. In a table the
  sort key is the last component, so it needs no terminator. In an index
  several items may share one index key, so a tiebreak (a hash of the item's
  table key) follows it, and S/B components are escaped and terminated so
  that "a" still sorts before "ab" (0x00 -> 0x00 0xFF, end = 0x00 0x00;
  numbers are prefix-free already). A multi-attribute GSI sort key is
  its RANGE values' prefix-free bytes one after another
  (`composite_sort_bytes`), which is the same bytes for one attribute.
* A sort component longer than the layout's inline limit keeps its first
  `inline_limit` bytes followed by a 16-byte hash of the whole value. Keys
  sharing that prefix form a "long group": contiguous in key order, ordered
  correctly against every other key, but not among themselves.
  `storage/partitions.iterate_partition` sorts each long group by the full
  sort key taken from the stored values, so range reads are always in order.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from hashlib import blake2b

from .numbers import encode_number_key

OWNER_ID_BYTES = 4
PARTITION_HASH_BYTES = 16
PARTITION_PREFIX_BYTES = OWNER_ID_BYTES + PARTITION_HASH_BYTES
LONG_SORT_SUFFIX_BYTES = 16
MAX_KEY_BYTES = 511

_TYPE_TAGS = {"S": b"S", "N": b"N", "B": b"B"}


def table_id_bytes(table_number: int) -> bytes:
    return table_number.to_bytes(OWNER_ID_BYTES, "big")


def key_value_bytes(value: dict) -> bytes:
    """The ordered byte form of a scalar key attribute value (wire form)."""
    if "S" in value:
        return value["S"].encode()
    if "N" in value:
        return encode_number_key(value["N"])
    return base64.b64decode(value["B"])


def prefix_free_bytes(value: dict) -> bytes:
    """`key_value_bytes` made prefix-free, so that a longer key may follow
    it and order still holds: S/B escaped and terminated (0x00 -> 0x00 0xFF,
    end = 0x00 0x00); numbers are prefix-free already."""
    raw = key_value_bytes(value)
    if "N" in value:
        return raw
    return raw.replace(b"\x00", b"\x00\xff") + b"\x00\x00"


# An empty hasher to copy: copying skips the constructor's parameter set-up
# (a third of a short key's hashing time); the digest is the same.
_PARTITION_HASHER = blake2b(digest_size=PARTITION_HASH_BYTES)


def partition_hash(value: dict) -> bytes:
    (type_name, raw), = value.items()
    data = raw.encode() if type_name != "B" else base64.b64decode(raw)
    hasher = _PARTITION_HASHER.copy()
    hasher.update(_TYPE_TAGS[type_name] + data)
    return hasher.digest()


def partition_prefix(owner_id: bytes, partition_value: dict) -> bytes:
    return owner_id + partition_hash(partition_value)


def tiebreak(table_key: bytes) -> bytes:
    return blake2b(table_key, digest_size=INDEX_LAYOUT.tiebreak_bytes).digest()


@dataclass(frozen=True)
class KeyLayout:
    """How a sort component is laid out after the partition prefix."""

    inline_limit: int
    tiebreak_bytes: int  # bytes that follow the sort component

    @property
    def long_key_length(self) -> int:
        return (PARTITION_PREFIX_BYTES + self.inline_limit + LONG_SORT_SUFFIX_BYTES
                + self.tiebreak_bytes)

    def truncate(self, raw: bytes) -> bytes:
        """Sort bytes as stored: whole when they fit inline, else their
        first `inline_limit` bytes and a hash of the whole."""
        if len(raw) <= self.inline_limit:
            return raw
        suffix = blake2b(raw, digest_size=LONG_SORT_SUFFIX_BYTES).digest()
        return raw[:self.inline_limit] + suffix

    def is_long(self, key: bytes) -> bool:
        return len(key) == self.long_key_length

    def group_prefix(self, key: bytes) -> bytes:
        return key[:PARTITION_PREFIX_BYTES + self.inline_limit]


ITEM_LAYOUT = KeyLayout(inline_limit=470, tiebreak_bytes=0)
INDEX_LAYOUT = KeyLayout(inline_limit=467, tiebreak_bytes=8)
assert ITEM_LAYOUT.long_key_length <= MAX_KEY_BYTES
assert INDEX_LAYOUT.long_key_length <= MAX_KEY_BYTES


def item_key(table_id: bytes, hash_name: str, range_name: str | None, item: dict) -> bytes:
    """The stored key of an item (or of a key dict) of a table."""
    prefix = table_id + partition_hash(item[hash_name])
    if range_name is None:
        return prefix
    return prefix + ITEM_LAYOUT.truncate(key_value_bytes(item[range_name]))


# Index entry keys. A global index may key on up to four HASH and four RANGE
# attributes (multi-attribute keys); a key of one attribute each is laid out
# as it always was (one partition_hash, one prefix-free sort component), so
# stored single-attribute indexes read the same.

def composite_partition_hash(values: list[dict]) -> bytes:
    """The partition hash of a tuple of HASH values: each typed value with
    its length, so ("ab", "c") and ("a", "bc") hash apart. One value hashes
    as `partition_hash` does."""
    if len(values) == 1:
        return partition_hash(values[0])
    hasher = _PARTITION_HASHER.copy()
    for value in values:
        (type_name, raw), = value.items()
        data = raw.encode() if type_name != "B" else base64.b64decode(raw)
        hasher.update(_TYPE_TAGS[type_name] + len(data).to_bytes(4, "big") + data)
    return hasher.digest()


def composite_sort_bytes(values: list[dict]) -> bytes:
    """The full ordered bytes of a tuple of RANGE values: each value's
    prefix-free form (S/B escaped and terminated, N as is) one after the
    other, so byte order is the order of the values left to right."""
    if len(values) == 1:  # the common case, spared the join
        return prefix_free_bytes(values[0])
    return b"".join([prefix_free_bytes(value) for value in values])


def index_entry_key(index_id: bytes, hash_values: list[dict], range_values: list[dict],
                    table_key: bytes) -> bytes:
    """The stored key of an item's entry in a secondary index: the HASH
    values' hash, the RANGE values' sort bytes (cut and hashed when long,
    as a long sort key is) and the tiebreak."""
    prefix = index_id + composite_partition_hash(hash_values)
    if range_values:
        prefix += INDEX_LAYOUT.truncate(composite_sort_bytes(range_values))
    return prefix + tiebreak(table_key)

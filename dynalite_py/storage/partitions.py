"""Ordered reads of items and index entries over model/keys.py's layout:
a key prefix, one partition in sort-key order (long groups sorted), and a
parallel scan's segment of the partition-hash space; `OrderedRecords` is
what the items and index repositories share."""
from __future__ import annotations

from typing import Callable, Iterator

from ..model.keys import PARTITION_HASH_BYTES, KeyLayout
from .interface import Handle, Keyspace, prefix_end

Entries = Iterator[tuple[bytes, object]]


def prefix_entries(space: Keyspace, txn: Handle, prefix: bytes, reverse: bool = False,
                   seek: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
    """Raw (key, value) pairs whose key starts with prefix, in key order
    (reversed on request), from the first key at or after `seek` (at or
    before it, in reverse) when given."""
    end = prefix_end(prefix)
    if not reverse:
        return space.range(txn, max(seek, prefix) if seek else prefix, end)
    if seek is not None:
        after_seek = seek + b"\x00"
        end = after_seek if end is None else min(end, after_seek)
    return space.range(txn, prefix, end, True)


def iterate_partition(space: Keyspace, txn: Handle, prefix: bytes, layout: KeyLayout,
                      decode: Callable[[bytes], object], sort_bytes: Callable[[object], bytes],
                      reverse: bool = False, seek: bytes | None = None) -> Entries:
    """(key, decoded value) pairs of one partition in sort-key order, from
    `seek` on (see prefix_entries).

    Long groups (model/keys.py) are gathered and sorted by the full sort key
    (`sort_bytes` of a decoded value: the ordered bytes of its whole sort
    key, as model/keys.py encodes it) before they are yielded.
    """
    group: list[tuple[bytes, object]] = []
    group_prefix = b""
    for key, value in prefix_entries(space, txn, prefix, reverse, seek):
        if group and not key.startswith(group_prefix):
            yield from _sorted_group(group, sort_bytes, reverse)
            group = []
        if layout.is_long(key):
            group_prefix = layout.group_prefix(key)
            group.append((key, decode(value)))
        else:
            yield key, decode(value)
    if group:
        yield from _sorted_group(group, sort_bytes, reverse)


def _sorted_group(group: list[tuple[bytes, object]], sort_bytes: Callable[[object], bytes],
                  reverse: bool) -> list[tuple[bytes, object]]:
    return sorted(group, key=lambda entry: (sort_bytes(entry[1]), entry[0]),
                  reverse=reverse)


def partition_entries(space: Keyspace, txn: Handle, prefix: bytes, layout: KeyLayout,
                      decode: Callable[[bytes], object], sort_bytes: Callable[[object], bytes],
                      reverse: bool, start_key: bytes | None) -> Entries:
    """Entries of one partition in sort order, after `start_key` when given."""
    if start_key is None:
        yield from iterate_partition(space, txn, prefix, layout, decode, sort_bytes, reverse)
        return
    if not layout.is_long(start_key):
        # key order is DynamoDB order here: seek, and skip the start entry.
        for key, value in iterate_partition(space, txn, prefix, layout, decode, sort_bytes,
                                            reverse, seek=start_key):
            if key != start_key:
                yield key, value
        return
    # Inside a long group the order comes from sorting the whole group:
    # re-read the group and let entries through once the start one has passed.
    group = layout.group_prefix(start_key)
    seek = group + b"\xff" * (len(start_key) - len(group)) if reverse else group
    passed = False
    for key, value in iterate_partition(space, txn, prefix, layout, decode, sort_bytes,
                                        reverse, seek=seek):
        if passed:
            yield key, value
        elif key == start_key or not key.startswith(group):
            passed = True
            if key != start_key:
                yield key, value


def segment_bounds(owner_id: bytes, segment: int, total_segments: int) -> tuple[bytes, bytes]:
    """The [start, end) key range of one parallel-scan segment: an equal
    share of the partition-hash space."""
    span = 1 << (8 * PARTITION_HASH_BYTES)
    low = span * segment // total_segments
    high = span * (segment + 1) // total_segments
    width = PARTITION_HASH_BYTES
    end = (owner_id + high.to_bytes(width + 1, "big")[1:] if high < span
           else _next_owner(owner_id))
    return owner_id + low.to_bytes(width, "big"), end


def _next_owner(owner_id: bytes) -> bytes:
    return (int.from_bytes(owner_id, "big") + 1).to_bytes(len(owner_id), "big")


def segment_entries(space: Keyspace, txn: Handle, owner_id: bytes, segment: int,
                    total_segments: int, start_key: bytes | None
                    ) -> Iterator[tuple[bytes, bytes]]:
    """Raw entries of a table or index in partition-hash order, within one
    segment, after `start_key` when given."""
    low, high = segment_bounds(owner_id, segment, total_segments)
    for key, value in space.range(txn, max(low, start_key) if start_key else low, high):
        if key != start_key:
            yield key, value


class OrderedRecords:
    """Records keyed by model/keys.py's layout in one keyspace, decoded by
    `decode`: the range reads Query and Scan make, alike for items and
    index entries."""

    def __init__(self, space: Keyspace, layout: KeyLayout,
                 decode: Callable[[bytes], object]) -> None:
        self._space = space
        self._layout = layout
        self._decode = decode

    def partition(self, txn: Handle, prefix: bytes, sort_bytes: Callable[[object], bytes],
                  reverse: bool, start_key: bytes | None) -> Entries:
        """(key, record) of one partition in sort-key order, after start_key."""
        return partition_entries(self._space, txn, prefix, self._layout, self._decode,
                                 sort_bytes, reverse, start_key)

    def segment(self, txn: Handle, owner_id: bytes, segment: int, total: int,
                start_key: bytes | None) -> Entries:
        """(key, record) of one parallel-scan segment of a table or index."""
        decode = self._decode
        return ((key, decode(value)) for key, value in
                segment_entries(self._space, txn, owner_id, segment, total, start_key))

    def owned_keys(self, txn: Handle, owner_id: bytes) -> list[bytes]:
        """Every key of one table or index."""
        return [key for key, _ in prefix_entries(self._space, txn, owner_id)]

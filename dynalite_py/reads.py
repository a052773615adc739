"""Range reads for Query and Scan: positioned iteration and page assembly.

A page is read the way DynamoDB reads one: entries are evaluated in key
order until `Limit` entries have been evaluated or 1 MB has been read; the
filter applies afterwards to the page's items (querying.page_items: it
reduces Count, not ScannedCount), and the capacity charge is the read size
rounded up to 4 KB once per page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import lmdb

from .model.keys import KeyLayout, iterate_partition

PAGE_BYTES = 1024 * 1024


def partition_entries(txn: lmdb.Transaction, db, prefix: bytes, layout: KeyLayout,
                      decode: Callable[[bytes], object], sort_value: Callable[[object], dict],
                      reverse: bool, start_key: bytes | None) -> Iterator[tuple[bytes, object]]:
    """Entries of one partition in sort order, after `start_key` when given."""
    if start_key is None:
        yield from iterate_partition(txn, db, prefix, layout, decode, sort_value, reverse)
        return
    if not layout.is_long(start_key):
        # LMDB order is DynamoDB order here: seek, and skip the start entry.
        for key, value in iterate_partition(txn, db, prefix, layout, decode, sort_value,
                                            reverse, seek=start_key):
            if key != start_key:
                yield key, value
        return
    # Inside a long group the order comes from sorting the whole group:
    # re-read the group and let entries through once the start one has passed.
    group = layout.group_prefix(start_key)
    seek = group + b"\xff" * (len(start_key) - len(group)) if reverse else group
    passed = False
    for key, value in iterate_partition(txn, db, prefix, layout, decode, sort_value,
                                        reverse, seek=seek):
        if passed:
            yield key, value
        elif key == start_key or not key.startswith(group):
            passed = True
            if key != start_key:
                yield key, value


def segment_bounds(owner_id: bytes, segment: int, total_segments: int) -> tuple[bytes, bytes]:
    """The [start, end) LMDB key range of one parallel-scan segment: an equal
    share of the 128-bit partition-hash space."""
    span = 1 << 128
    low = span * segment // total_segments
    high = span * (segment + 1) // total_segments
    end = owner_id + high.to_bytes(17, "big")[1:] if high < span else _next_owner(owner_id)
    return owner_id + low.to_bytes(16, "big"), end


def _next_owner(owner_id: bytes) -> bytes:
    return (int.from_bytes(owner_id, "big") + 1).to_bytes(len(owner_id), "big")


def scan_entries(txn: lmdb.Transaction, db, owner_id: bytes, segment: int, total_segments: int,
                 start_key: bytes | None) -> Iterator[tuple[bytes, bytes]]:
    """Raw entries of a table or index in partition-hash order, within one
    segment, after `start_key` when given."""
    low, high = segment_bounds(owner_id, segment, total_segments)
    cursor = txn.cursor(db=db)
    if not cursor.set_range(max(low, start_key) if start_key else low):
        return
    for key, value in cursor:
        if key >= high:
            return
        if key == start_key:
            continue
        yield key, value


@dataclass
class Page:
    """What one Query/Scan page found."""

    items: list[dict] = field(default_factory=list)  # every item read, before the filter
    scanned: int = 0
    read_bytes: int = 0
    last_entry: object = None  # the last evaluated entry, when the page stopped early


def read_page(entries: Iterator[tuple[bytes, object]], size_of: Callable[[object], int],
              item_of: Callable[[object], dict], limit: int | None) -> Page:
    """Evaluate entries until Limit or 1 MB; the page holds every item read."""
    page = Page()
    items = page.items
    for _, entry in entries:
        page.scanned += 1
        page.read_bytes += size_of(entry)
        items.append(item_of(entry))
        if (limit is not None and page.scanned >= limit) or page.read_bytes >= PAGE_BYTES:
            if page.read_bytes >= PAGE_BYTES and next(entries, None) is None:
                return page  # stopped at the very end: nothing left to page through
            page.last_entry = entry
            return page
    return page

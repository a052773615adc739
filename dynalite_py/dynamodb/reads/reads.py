"""Page assembly for Query and Scan (the range reads are the repositories',
storage/partitions.py).

A page is read the way DynamoDB reads one: entries are evaluated in key
order until `Limit` entries have been evaluated or 1 MB has been read; the
filter applies afterwards to the page's items (querying.page_items: it
reduces Count, not ScannedCount), and the capacity charge is the read size
rounded up to 4 KB once per page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

PAGE_BYTES = 1024 * 1024


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

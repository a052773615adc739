"""Item collections of tables with local secondary indexes.

An item collection is every item with one partition key value plus their
LSI entries. Its size is kept exact with the table counts (storage/items.py's
collection_key), changed in each write's own transaction, for
ItemCollectionMetrics and DynamoDB's 10 GB limit.
"""
from __future__ import annotations

import math

from ...errors import DynamoError
from ...model.values import item_size
from ...storage.interface import WriteContext
from ...storage.items import Counts, collection_key
from ..tables.catalog import Table

GIGABYTE = 1 << 30


def size_change(table: Table, old: dict | None, new: dict | None, old_size: int,
                new_size: int) -> int:
    """How much a write changes its collection: the item and its LSI entries."""
    change = new_size - old_size
    for index in table.indexes:
        if not index.is_global:
            change += _entry_size(index, new) - _entry_size(index, old)
    return change


def _entry_size(index, item: dict | None) -> int:
    if item is None or index.range_name not in item:
        return 0
    return item_size(index.project(item))


def resize(ctx: WriteContext, counts: Counts, table_key: bytes, change: int, limit: int) -> int:
    """Apply `change` to the collection of `table_key`; return its new size.
    Growing past `limit` fails the write."""
    stats_key = collection_key(table_key)
    pending = ctx.stats.get(stats_key, (0, 0))[1]
    size = counts.get(ctx.txn, stats_key)[1] + pending + change
    if change > 0 and size > limit:
        raise DynamoError("ItemCollectionSizeLimitExceededException",
                          "Item collection size limit exceeded")
    ctx.count_item(stats_key, 0, change)
    return size


def metrics(table: Table, item: dict, size: int) -> dict:
    """ItemCollectionMetrics: the collection's key and a 1 GB-wide estimate."""
    lower = math.floor(size / GIGABYTE)
    return {"ItemCollectionKey": {table.hash_name: item[table.hash_name]},
            "SizeEstimateRangeGB": [float(lower), float(lower + 1)]}

"""Contributor Insights' numbers: the most accessed and most throttled keys
of each table and index whose Contributor Insights is ENABLED, counted in
this process (as CloudWatch's rules would graph them: PKC/SKC accessed
partition keys and full keys, PKT/SKT throttled ones).

`Engine.call` hands every DynamoDB request that succeeded, or was
throttled, to `KeyCounts.count`. The hot path when nothing is enabled is
one identity check against the catalog's cache (the settings are read from
the cached table records again only when the catalog changes) and one
dictionary lookup. Counted: the keys single-item reads and writes, batches
and transactions name (an item written also counts under each enabled
index whose key it has); Query and Scan are not counted (their keys are in
expressions).

Memory is bounded: each rule keeps at most MAX_KEYS keys, and when it
overflows the less accessed half is forgotten (the counts of the keys
that stay are exact from when they were last admitted). Users read them
with `Database.contributor_insights(table, index)` embedded or
GET /_dynalite/insights/<table>[?index=<name>] on a server (docs/
architecture.md); each server process counts its own requests.
"""
from __future__ import annotations

import base64
import threading

from ..tables.catalog import Table, table_name_from
from .insights import insights_of

MAX_KEYS = 10_000
ACCESSED, THROTTLED = "C", "T"


class KeyCounts:
    """One engine's Contributor Insights key counts."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self._seen: object = None  # the catalog cache the settings were read from
        # table name -> [(index name or "", key names, counted from, modes)]
        self._watched: dict[str, list[tuple[str, tuple[str, ...], float, str]]] = {}
        # (table, index, rule) -> {key as a tuple of (name, value): count}
        self._counts: dict[tuple[str, str, str], dict[tuple, int]] = {}
        self._lock = threading.Lock()

    # the hot path -------------------------------------------------------------------
    def count(self, operation: str, request: dict, throttled: bool = False) -> None:
        cache = self.engine.catalog.cached_tables()
        if cache is not self._seen:
            self._watch(cache)
        if not self._watched:
            return
        for table_name, key_or_item in _keys_named(operation, request):
            watches = self._watched.get(table_name)
            if watches is None and isinstance(table_name, str) and table_name.startswith("arn:"):
                watches = self._watched.get(table_name_from(table_name))
                table_name = table_name_from(table_name)
            if watches is not None and isinstance(key_or_item, dict):
                self._count_key(table_name, watches, key_or_item, throttled)

    def _count_key(self, table_name: str, watches: list, key_or_item: dict,
                   throttled: bool) -> None:
        now = self.engine.clock()
        kind = THROTTLED if throttled else ACCESSED
        for index_name, key_names, since, mode in watches:
            if now < since or (mode == "THROTTLED_KEYS" and not throttled):
                continue
            values = tuple((name, _value(key_or_item.get(name))) for name in key_names)
            if values[0][1] is None:
                continue  # an item without this index's key
            self._add((table_name, index_name, "PK" + kind), values[:1])
            if len(values) > 1 and values[1][1] is not None:
                self._add((table_name, index_name, "SK" + kind), values)

    def _add(self, rule: tuple[str, str, str], key: tuple) -> None:
        with self._lock:
            counts = self._counts.setdefault(rule, {})
            counts[key] = counts.get(key, 0) + 1
            if len(counts) > MAX_KEYS:
                kept = sorted(counts.items(), key=lambda entry: entry[1])[MAX_KEYS // 2:]
                self._counts[rule] = dict(kept)

    def _watch(self, cache) -> None:
        """Read the enabled settings from the catalog's cached tables."""
        watched: dict[str, list] = {}
        delay = self.engine.config.table_status_delay
        for table in cache[1].values():
            for index_name, setting in insights_of(table).items():
                if setting["enabled"]:
                    watched.setdefault(table.name, []).append(
                        (index_name, _key_names(table, index_name),
                         setting["changed_at"] + delay, setting["mode"]))
        self._watched, self._seen = watched, cache

    # reading ------------------------------------------------------------------------
    def top(self, table_name: str, index_name: str | None = None, limit: int = 10
            ) -> dict[str, list[dict]]:
        """The `limit` most counted keys of each rule (PKC, PKT, SKC, SKT)
        of a table or index: [{"Key": {name: value}, "Count": n}], most first."""
        answer: dict[str, list[dict]] = {}
        with self._lock:
            for rule in ("PKC", "PKT", "SKC", "SKT"):
                counts = self._counts.get((table_name, index_name or "", rule), {})
                ranked = sorted(counts.items(), key=lambda entry: -entry[1])[:limit]
                answer[rule] = [{"Key": _wire(key), "Count": n} for key, n in ranked]
        return answer


def _key_names(table: Table, index_name: str) -> tuple[str, ...]:
    if not index_name:
        return table.key_names
    definition = next(i for i in table.record.get("GlobalSecondaryIndexes", []) +
                      table.record.get("LocalSecondaryIndexes", [])
                      if i["IndexName"] == index_name)
    ordered = sorted(definition["KeySchema"], key=lambda k: k["KeyType"] != "HASH")
    return tuple(k["AttributeName"] for k in ordered)


def _value(attribute) -> tuple[str, object] | None:
    """A key attribute as a hashable (type, value); None: absent or no key type."""
    if isinstance(attribute, dict) and len(attribute) == 1:
        (kind, value), = attribute.items()
        if kind in ("S", "N", "B") and isinstance(value, (str, bytes)):
            return kind, value
    return None


def _wire(key: tuple) -> dict:
    """A counted key in wire form (binary values base64, as JSON has them)."""
    return {name: {kind: base64.b64encode(value).decode() if isinstance(value, bytes) else value}
            for name, (kind, value) in key}


def _keys_named(operation: str, request: dict):
    """(table name, key or item) of every item a request names."""
    if operation in ("GetItem", "DeleteItem", "UpdateItem"):
        yield request.get("TableName"), request.get("Key")
    elif operation == "PutItem":
        yield request.get("TableName"), request.get("Item")
    elif operation == "BatchGetItem":
        for table_name, wanted in (request.get("RequestItems") or {}).items():
            for key in wanted.get("Keys", ()):
                yield table_name, key
    elif operation == "BatchWriteItem":
        for table_name, writes in (request.get("RequestItems") or {}).items():
            for write in writes:
                put, delete = write.get("PutRequest"), write.get("DeleteRequest")
                yield table_name, put["Item"] if put else delete["Key"]
    elif operation in ("TransactGetItems", "TransactWriteItems"):
        for entry in request.get("TransactItems", ()):
            for action in entry.values():
                yield action.get("TableName"), action.get("Key") or action.get("Item")

"""The table catalog: table records, their lifecycle and descriptions.

A table record is a msgpack'd dict holding the table's definition as the
client gave it (key schema, attribute definitions, indexes, throughput,
stream and SSE settings) plus its engine number and lifecycle timestamps.
Status changes are lazy: a record says "CREATING until t", and whoever reads
it after t sees ACTIVE, so no timer thread is needed and every process that
opens the directory agrees.

Each process caches the records and revalidates the cache against the
catalog version read in the same snapshot (storage/catalog.py), so several
processes can share one store; a snapshot whose backend-supplied version
(Store.snapshot_version) was checked before needs no version read.
"""
from __future__ import annotations

import math
from typing import Callable

from ...errors import DynamoError, resource_in_use, resource_not_found
from ...model.keys import table_id_bytes
from ...model.values import key_attributes
from ...storage.interface import Handle, WriteContext
from ...storage.items import index_counts_key
from ...storage.repositories import Repositories
from ..kinesis.capture import live_log_number
from ..vectors.definitions import describe_vector_indexes, vector_indexes_of
from .described_settings import extra_description
from .indexes import Index
from .replica_records import consistency_description, replicas_description

SETTLING = {"CREATING", "UPDATING"}


def _usable_from(record: dict) -> float:
    """When a table with this record becomes usable by data operations: a
    new table once it settles, a deleting one never, others already."""
    status = record["TableStatus"]
    if status == "CREATING":
        return record["settles_at"]
    return math.inf if status == "DELETING" else -math.inf


class Table:
    """A table record with the derived facts every operation needs."""

    __slots__ = ("record", "name", "id", "hash_name", "range_name", "key_names",
                 "attribute_types", "index_key_schemas", "indexes", "global_index_names",
                 "has_local_indexes", "stream_number",
                 "stream_view_type", "ttl_attribute", "usable_from", "key_attributes",
                 "keeps_history", "vector_indexes", "kinesis_log_number",
                 "replica_regions", "strongly_consistent")

    def __init__(self, record: dict) -> None:
        self.record = record
        self.name: str = record["TableName"]
        self.id: bytes = table_id_bytes(record["number"])
        schema = {k["KeyType"]: k["AttributeName"] for k in record["KeySchema"]}
        self.hash_name: str = schema["HASH"]
        self.range_name: str | None = schema.get("RANGE")
        self.key_names = (self.hash_name,) if self.range_name is None else (
            self.hash_name, self.range_name)
        # (IndexName, KeySchema) of every index, by name: the order in which
        # DynamoDB reports an item's bad index key (AWS capture 2026)
        self.index_key_schemas = sorted(
            (index["IndexName"], index["KeySchema"])
            for index in record.get("LocalSecondaryIndexes", []) + record.get(
                "GlobalSecondaryIndexes", []))
        self.indexes = tuple(
            Index.from_definition(definition, is_global, self.key_names)
            for is_global, field in ((False, "LocalSecondaryIndexes"),
                                     (True, "GlobalSecondaryIndexes"))
            for definition in record.get(field, ()))
        self.global_index_names = tuple(index.name for index in self.indexes if index.is_global)
        self.has_local_indexes = any(not index.is_global for index in self.indexes)
        stream = record.get("stream")  # the enabled stream, if any
        self.stream_number: int | None = stream["number"] if stream else None
        self.stream_view_type: str | None = stream["view_type"] if stream else None
        # the change log Kinesis destinations read, while one is live
        self.kinesis_log_number: int | None = live_log_number(record)
        self.ttl_attribute: str | None = record.get("ttl_attribute")
        # point-in-time recovery on: every item write records its undo image
        self.keeps_history: bool = record.get("pitr") is not None
        self.attribute_types = {d["AttributeName"]: d["AttributeType"]
                                for d in record["AttributeDefinitions"]}
        self.key_attributes = key_attributes(record["KeySchema"], self.attribute_types)
        self.vector_indexes = vector_indexes_of(record, self.key_names, self.attribute_types)
        # a global table's regions (its own among them), empty for others:
        # every write stamps its item for replication's last writer wins
        self.replica_regions: tuple[str, ...] = tuple(sorted(record.get("replicas", ())))
        # MultiRegionConsistency STRONG: a write goes to every replica in its commit
        self.strongly_consistent: bool = record.get("multi_region_consistency") == "STRONG"
        # from when data operations may use it (status ACTIVE or UPDATING):
        # one comparison with the clock on every data-plane call
        self.usable_from: float = _usable_from(record)

    def status(self, now: float) -> str | None:
        """The status at `now`; None once a deleted table is gone."""
        status = self.record["TableStatus"]
        if now < self.record["settles_at"]:
            return status
        if status == "DELETING":
            return None
        return "ACTIVE" if status in SETTLING else status


class Catalog:
    """Looks tables up (cached per process) and writes table records."""

    def __init__(self, repos: Repositories, region: str, account_id: str,
                 clock: Callable[[], float]) -> None:
        self.records = repos.tables
        self.counts = repos.counts
        self._version = repos.tables.version
        self._snapshot_version = repos.store.snapshot_version
        self.clock = clock
        self.region = region
        self.account_id = account_id
        # how long a new replica reports CREATING (Config.table_status_delay)
        self.replica_delay = 0.0
        # (catalog version, its tables by name): one tuple, swapped whole, so
        # a thread never pairs one version with another version's tables
        self._cache: tuple[bytes | None, dict[str, Table]] = (None, {})
        # (snapshot version, the tables checked against it): snapshots with
        # that version hold the same data, so need no catalog version read
        self._matched: tuple[object, dict[str, Table]] = (None, {})

    # Reading ---------------------------------------------------------------
    def _current_tables(self, txn: Handle) -> dict[str, Table]:
        """The tables as `txn` sees them, from the cache when its version is
        the one stored (read again from the catalog otherwise)."""
        version = self._version(txn)
        cached_version, tables = self._cache
        if version != cached_version:
            tables = {name: Table(record) for name, record in self.records.all(txn).items()}
            self._cache = (version, tables)
        return tables

    def _cached(self, txn: Handle, name: str, snapshot: bool = False) -> Table | None:
        """The cached table under `name` (or its ARN), gone or not. On every
        data-plane call: the common path inline.

        `snapshot`: `txn` is a read snapshot, never a write transaction (only
        a snapshot's version tells that the data it sees was seen before)."""
        if not snapshot:
            tables = self._current_tables(txn)
        else:
            version = self._snapshot_version(txn)
            matched, tables = self._matched
            if version != matched:
                tables = self._current_tables(txn)
                self._matched = (version, tables)
        return tables.get(name) or tables.get(table_name_from(name))

    def cached_tables(self) -> tuple[bytes | None, dict[str, Table]]:
        """(catalog version, tables by name) as this process last read them,
        without reading the store: a new tuple whenever they change
        (Contributor Insights' counts watch it, insights/counts.py)."""
        return self._cache

    def find(self, txn: Handle, name: str) -> Table | None:
        """The table record under `name`, whatever its status, or None."""
        table = self._cached(txn, name)
        return table if table is not None and table.status(self.clock()) is not None else None

    def active(self, txn: Handle, name: str, snapshot: bool = False) -> Table:
        """A table that data operations may use (ACTIVE or UPDATING); pass
        `snapshot=True` when `txn` is a read snapshot (see `_cached`)."""
        table = self._cached(txn, name, snapshot)
        if table is None or self.clock() < table.usable_from:
            raise resource_not_found()
        return table

    def described(self, txn: Handle, name: str) -> Table:
        """A table for control-plane operations, with their not-found message."""
        table = self.find(txn, name)
        if table is None:
            raise resource_not_found(
                f"Requested resource not found: Table: {table_name_from(name)} not found")
        return table

    def tables(self, txn: Handle) -> list[Table]:
        """Every table that exists now, whatever its status."""
        now = self.clock()
        return [table for table in self._current_tables(txn).values()
                if table.status(now) is not None]

    def names(self, txn: Handle) -> list[str]:
        now = self.clock()
        return sorted(name for name, table in self._current_tables(txn).items()
                      if table.status(now) is not None)

    # Writing (inside a group-commit write) --------------------------------
    def next_number(self, ctx: WriteContext, counter: bytes) -> int:
        """The next table, stream or index number (storage.catalog's counters)."""
        return self.records.next_number(ctx.txn, counter)

    def put(self, ctx: WriteContext, record: dict) -> Table:
        self.records.put(ctx.txn, record)
        return Table(record)

    def current(self, ctx: WriteContext, name: str) -> Table | None:
        """The table as the write transaction sees it (not the cache)."""
        record = self.records.get(ctx.txn, table_name_from(name))
        if record is None:
            return None
        table = Table(record)
        return table if table.status(self.clock()) is not None else None

    def confirm(self, ctx: WriteContext, table: Table) -> Table:
        """Check, inside a write, that `table` (looked up in an earlier
        snapshot) still exists as it was; cheap when the catalog is unchanged."""
        if self._current_tables(ctx.txn).get(table.name) is table:
            return table
        current = self.current(ctx, table.name)
        if current is None or current.id != table.id or self.clock() < current.usable_from:
            raise resource_not_found()
        return current

    def require(self, ctx: WriteContext, name: str) -> Table:
        """The table as the write transaction sees it, or the control-plane
        not-found error."""
        table = self.current(ctx, name)
        if table is None:
            raise resource_not_found(
                f"Requested resource not found: Table: {table_name_from(name)} not found")
        return table

    def require_active(self, ctx: WriteContext, name: str, now: float) -> Table:
        """`require`'s table, refused with ResourceInUseException unless it is
        ACTIVE at `now` (a table being created, updated or deleted)."""
        table = self.require(ctx, name)
        status = table.status(now)
        if status != "ACTIVE":
            raise table_in_use(name, status)
        return table

    def table_arn(self, name: str) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{name}"

    # Describing -------------------------------------------------------------
    def describe(self, txn: Handle, table: Table, now: float | None = None) -> dict:
        """The TableDescription DynamoDB returns for this table now, or as of
        `now` (a write describes the table as of its own time, however long
        its commit waited)."""
        record = table.record
        status = table.status(self.clock() if now is None else now)
        item_count, size_bytes = self.counts.get(txn, table.id)
        arn = self.table_arn(table.name)
        description = {
            "AttributeDefinitions": record["AttributeDefinitions"],
            "TableName": table.name,
            "KeySchema": record["KeySchema"],
            "TableStatus": status,
            "CreationDateTime": record["CreationDateTime"],
            "ProvisionedThroughput": _throughput_description(record["ProvisionedThroughput"]),
            "TableSizeBytes": size_bytes,
            "ItemCount": item_count,
            "TableArn": arn,
            "TableId": record["TableId"],
        }
        if record.get("BillingModeSummary"):
            description["BillingModeSummary"] = record["BillingModeSummary"]
        index_stats = {index.name: self.counts.get(txn, index_counts_key(index.id))
                       for index in table.indexes}
        if record.get("LocalSecondaryIndexes"):
            description["LocalSecondaryIndexes"] = [
                _index_description(index, arn, index_stats[index["IndexName"]])
                for index in record["LocalSecondaryIndexes"]]
        if record.get("GlobalSecondaryIndexes"):
            description["GlobalSecondaryIndexes"] = [
                _global_index_description(index, arn, status, index_stats[index["IndexName"]])
                for index in record["GlobalSecondaryIndexes"]]
        if record.get("VectorIndexes"):
            description["VectorIndexes"] = describe_vector_indexes(txn, self.counts, table, arn)
        stream = record.get("stream")
        if stream:
            description["StreamSpecification"] = {"StreamEnabled": True,
                                                  "StreamViewType": stream["view_type"]}
        if record.get("LatestStreamLabel"):
            description["LatestStreamLabel"] = record["LatestStreamLabel"]
            description["LatestStreamArn"] = f"{arn}/stream/{record['LatestStreamLabel']}"
        if record.get("SSEDescription"):
            description["SSEDescription"] = record["SSEDescription"]
        if record.get("TableClass"):
            description["TableClassSummary"] = {"TableClass": record["TableClass"]}
        description["DeletionProtectionEnabled"] = record.get("DeletionProtectionEnabled", False)
        description.update(extra_description(record))
        now = self.clock() if now is None else now
        description.update(replicas_description(record, self.region, now, self.replica_delay))
        description.update(consistency_description(record, now, self.replica_delay))
        return description


def _throughput_description(throughput: dict) -> dict:
    description = {"NumberOfDecreasesToday": throughput.get("NumberOfDecreasesToday", 0),
                   "ReadCapacityUnits": throughput["ReadCapacityUnits"],
                   "WriteCapacityUnits": throughput["WriteCapacityUnits"]}
    for field in ("LastIncreaseDateTime", "LastDecreaseDateTime"):
        if throughput.get(field):
            description[field] = throughput[field]
    return description


def _index_description(index: dict, table_arn: str, stats: tuple[int, int]) -> dict:
    return {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"],
            "Projection": index["Projection"], "IndexSizeBytes": stats[1], "ItemCount": stats[0],
            "IndexArn": f"{table_arn}/index/{index['IndexName']}"}


def _global_index_description(index: dict, table_arn: str, table_status: str,
                              stats: tuple[int, int]) -> dict:
    description = _index_description(index, table_arn, stats)
    description["IndexStatus"] = ("CREATING" if table_status == "CREATING"
                                  else index.get("IndexStatus", "ACTIVE"))
    if index.get("Backfilling"):
        description["Backfilling"] = True
    description["ProvisionedThroughput"] = _throughput_description(index["ProvisionedThroughput"])
    return description


def table_in_use(name: str, status: str) -> DynamoError:
    """ResourceInUseException for a control-plane change to a busy table."""
    reason = {"CREATING": "created", "UPDATING": "updated", "DELETING": "deleted"}[status]
    return resource_in_use(
        f"Attempt to change a resource which is still in use: Table is being {reason}: {name}")


def table_name_from(name_or_arn: str) -> str:
    """Accept a table ARN wherever a table name is accepted, as DynamoDB does."""
    if name_or_arn.startswith("arn:") and ":table/" in name_or_arn:
        return name_or_arn.split(":table/", 1)[1].split("/", 1)[0]
    return name_or_arn

"""Global tables version 2017.11.29 (Legacy): what CreateGlobalTable,
DescribeGlobalTable, ListGlobalTables, UpdateGlobalTable and the
GlobalTableSettings operations share.

A legacy group joins tables the user created, one per region, with the same
name and keys, empty, each with a NEW_AND_OLD_IMAGES stream. It is kept as
the 2019.11.21 version is (tables/replica_records.py): every member's record
holds the same `replicas` map, and `global_table_version` says which version
it is; replication (jobs/replication.py) is the same for both. The two
versions do not see each other's groups, as on AWS: a legacy operation
answers GlobalTableNotFoundException for a 2019.11.21 table, and
ReplicaUpdates refuses a legacy member.

AWS has refused new legacy groups since 2025 ("DynamoDB global tables
version 2017.11.29 is not supported ...", ack-api-quirks' capture
DDB-GLOBALTABLE-002); we keep them working for the tools and tests written
for them. The not-found messages are AWS's (DDB-GLOBALTABLE-004); the
others are ours, in AWS's style.
"""
from __future__ import annotations

from ...errors import DynamoError, invalid_parameter
from ..tables.catalog import Table
from ..tables.replica_records import LEGACY_VERSION
from ..tables.replicas import region_engine


def not_found(name: str) -> DynamoError:
    return DynamoError("GlobalTableNotFoundException",
                       f"Global table with name: '{name}' does not exist.")


def is_legacy(table: Table | None) -> bool:
    return table is not None and table.record.get("global_table_version") == LEGACY_VERSION


def legacy_group(engine, name: str) -> Table:
    """This region's member of the legacy group `name`."""
    with engine.store.read() as txn:
        table = engine.catalog.find(txn, name)
    if not is_legacy(table):
        raise not_found(name)
    return table


def group_description(engine, table: Table) -> dict:
    """GlobalTableDescription of the group `table` belongs to."""
    group = table.record["legacy_group"]
    replicas = table.record["replicas"]
    created = group["created"]
    status = "CREATING" if engine.clock() < created + engine.config.table_status_delay \
        else "ACTIVE"
    return {"ReplicationGroup": [{"RegionName": region} for region in sorted(replicas)],
            "GlobalTableArn": global_table_arn(engine, table.name),
            "CreationDateTime": created, "GlobalTableStatus": status,
            "GlobalTableName": table.name}


def global_table_arn(engine, name: str) -> str:
    return f"arn:aws:dynamodb::{engine.config.account_id}:global-table/{name}"


def member_table(engine, name: str, region: str) -> Table:
    """The table `name` in `region`, fit to join a legacy group: ACTIVE,
    empty, with a NEW_AND_OLD_IMAGES stream (in no group yet: the caller's
    check, with its own error)."""
    member = region_engine(engine, region)
    with member.store.read() as txn:
        table = member.catalog.find(txn, name)
        count = table is not None and member.repos.items.stored_after(txn, table.id, None, 1)
    if table is None or table.status(member.clock()) != "ACTIVE":
        raise DynamoError("TableNotFoundException",
                          f"Table: {name} not found in region {region}")
    if table.stream_view_type != "NEW_AND_OLD_IMAGES":
        raise invalid_member(name, region, "must have a stream with NEW_AND_OLD_IMAGES")
    if count:
        raise invalid_member(name, region, "must be empty")
    return table


def invalid_member(name: str, region: str, rule: str) -> DynamoError:
    return invalid_parameter(f"Table {name} in region {region} {rule} to join a global table")


def check_same_shape(tables: dict[str, Table]) -> None:
    """Every member has the same keys and global secondary indexes."""
    regions = sorted(tables)
    first = tables[regions[0]]
    for region in regions[1:]:
        table = tables[region]
        if table.key_attributes != first.key_attributes:
            raise invalid_member(table.name, region, "must have the same key schema as "
                                 f"the table in region {regions[0]}")
        if _index_keys(table) != _index_keys(first):
            raise invalid_member(table.name, region, "must have the same global secondary "
                                 f"indexes as the table in region {regions[0]}")


def _index_keys(table: Table) -> dict:
    return {index["IndexName"]: index["KeySchema"]
            for index in table.record.get("GlobalSecondaryIndexes", ())}

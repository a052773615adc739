"""What DescribeTableReplicaAutoScaling and UpdateTableReplicaAutoScaling
share: a 2019.11.21 global table's auto scaling, kept in its replicas map
(every replica's record holds the same one, tables/replica_records.py), so
any region describes all of them alike.

Each replica's entry may hold "auto_scaling": {"Read": settings, "Write":
settings, "indexes": {index name: {"Read": ..., "Write": ...}}}, settings
as auto_scaling.py describes them. Write capacity is the group's: an update
of it goes to every replica; read capacity is each replica's own.
"""
from __future__ import annotations

from ...errors import resource_not_found
from ..tables.catalog import Table, table_name_from
from ..tables.replica_records import replica_status
from .auto_scaling import NEVER_CONFIGURED


def global_table(engine, txn, name_or_arn: str) -> Table:
    """The table, if it is a global table; AWS answers a missing table and
    a table with no replicas alike (ack-api-quirks' capture DDB-TABLE-254)."""
    name = table_name_from(name_or_arn)
    table = engine.catalog.find(txn, name)
    if table is None or not table.replica_regions:
        raise resource_not_found(f"Global table with name: '{name}' does not exist.")
    return table


def auto_scaling_description(engine, txn, table: Table) -> dict:
    """TableAutoScalingDescription: every replica, its own region too, in
    region order (the same answer from each region)."""
    now = engine.clock()
    described = engine.catalog.describe(txn, table, now)
    index_statuses = {index["IndexName"]: index["IndexStatus"]
                      for index in described.get("GlobalSecondaryIndexes", ())}
    replicas = table.record["replicas"]
    return {"TableName": table.name, "TableStatus": described["TableStatus"],
            "Replicas": [_replica_description(region, replicas[region], index_statuses, now,
                                              engine.config.table_status_delay)
                         for region in sorted(replicas)]}


def _replica_description(region: str, replica: dict, index_statuses: dict[str, str],
                         now: float, delay: float) -> dict:
    settings = replica.get("auto_scaling") or {}
    indexes = settings.get("indexes") or {}
    return {
        "RegionName": region,
        "GlobalSecondaryIndexes": [
            {"IndexName": name, "IndexStatus": status,
             "ProvisionedReadCapacityAutoScalingSettings": _settings(indexes.get(name), "Read"),
             "ProvisionedWriteCapacityAutoScalingSettings": _settings(indexes.get(name), "Write")}
            for name, status in index_statuses.items()],
        "ReplicaProvisionedReadCapacityAutoScalingSettings": _settings(settings, "Read"),
        "ReplicaProvisionedWriteCapacityAutoScalingSettings": _settings(settings, "Write"),
        "ReplicaStatus": replica_status(replica, now, delay),
    }


def _settings(settings: dict | None, dimension: str) -> dict:
    return dict((settings or {}).get(dimension) or NEVER_CONFIGURED)

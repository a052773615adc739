"""What DescribeGlobalTableSettings and UpdateGlobalTableSettings share: a
legacy global table's capacity settings, region by region, as each region's
table has them (billing mode, throughput) with the auto scaling settings of
the group's replicas map (replica_auto_scaling.py keeps them alike)."""
from __future__ import annotations

from ..tables.catalog import Table
from ..tables.replica_records import replica_status
from ..tables.replicas import region_engine
from .replica_auto_scaling import settings_of


def settings_description(engine, table: Table) -> dict:
    return {"GlobalTableName": table.name,
            "ReplicaSettings": [replica_settings(engine, table, region)
                                for region in sorted(table.record["replicas"])]}


def replica_settings(engine, table: Table, region: str) -> dict:
    member = region_engine(engine, region)
    with member.store.read() as txn:
        described = member.catalog.describe(txn, member.catalog.described(txn, table.name))
    replica = table.record["replicas"][region]
    scaling = replica.get("auto_scaling") or {}
    provisioned = described.get("BillingModeSummary", {}).get(
        "BillingMode", "PROVISIONED") == "PROVISIONED"
    throughput = described["ProvisionedThroughput"]
    entry = {
        "RegionName": region,
        "ReplicaStatus": replica_status(replica, engine.clock(), engine.config.table_status_delay),
        "ReplicaBillingModeSummary": {"BillingMode": "PROVISIONED" if provisioned
                                      else "PAY_PER_REQUEST"},
        "ReplicaProvisionedReadCapacityUnits": throughput["ReadCapacityUnits"],
        "ReplicaProvisionedReadCapacityAutoScalingSettings": settings_of(scaling, "Read"),
        "ReplicaProvisionedWriteCapacityUnits": throughput["WriteCapacityUnits"],
        "ReplicaProvisionedWriteCapacityAutoScalingSettings": settings_of(scaling, "Write"),
        "ReplicaGlobalSecondaryIndexSettings": [
            _index_settings(index, (scaling.get("indexes") or {}).get(index["IndexName"]),
                            provisioned)
            for index in described.get("GlobalSecondaryIndexes", ())],
    }
    if described.get("TableClassSummary"):
        entry["ReplicaTableClassSummary"] = described["TableClassSummary"]
    return entry


def _index_settings(index: dict, scaling: dict | None, provisioned: bool) -> dict:
    entry = {"IndexName": index["IndexName"], "IndexStatus": index["IndexStatus"],
             "ProvisionedReadCapacityAutoScalingSettings": settings_of(scaling, "Read"),
             "ProvisionedWriteCapacityAutoScalingSettings": settings_of(scaling, "Write")}
    if provisioned:  # the model's units are at least 1: on demand has none to show
        entry["ProvisionedReadCapacityUnits"] = index["ProvisionedThroughput"][
            "ReadCapacityUnits"]
        entry["ProvisionedWriteCapacityUnits"] = index["ProvisionedThroughput"][
            "WriteCapacityUnits"]
    return entry

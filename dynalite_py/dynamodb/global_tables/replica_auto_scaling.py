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

from ...errors import DynamoError, resource_not_found, validation_error
from ..tables.catalog import Table, table_name_from
from ..tables.replica_records import LEGACY_VERSION, replica_status
from .auto_scaling import NEVER_CONFIGURED, settings_failure, updated_settings


def global_table(engine, txn, name_or_arn: str) -> Table:
    """The table, if it is a 2019.11.21 global table; AWS answers a missing
    table and a table with no replicas alike (ack-api-quirks' capture DDB-TABLE-254)."""
    name = table_name_from(name_or_arn)
    table = engine.catalog.find(txn, name)
    if table is None or not table.replica_regions or table.record.get(
            "global_table_version") == LEGACY_VERSION:
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
             "ProvisionedReadCapacityAutoScalingSettings": settings_of(indexes.get(name), "Read"),
             "ProvisionedWriteCapacityAutoScalingSettings": settings_of(indexes.get(name), "Write")}
            for name, status in index_statuses.items()],
        "ReplicaProvisionedReadCapacityAutoScalingSettings": settings_of(settings, "Read"),
        "ReplicaProvisionedWriteCapacityAutoScalingSettings": settings_of(settings, "Write"),
        "ReplicaStatus": replica_status(replica, now, delay),
    }


def settings_of(settings: dict | None, dimension: str) -> dict:
    return dict((settings or {}).get(dimension) or NEVER_CONFIGURED)


class SettingsChange:
    """Applies AutoScalingSettingsUpdates to entries of a copy of the table's
    replicas map; `missing_index` is the error for an index it lacks."""

    def __init__(self, engine, table: Table, missing_index=None) -> None:
        self.missing_index = missing_index or _no_such_index
        self.table = table
        self.account = engine.config.account_id
        self.on_demand = table.record.get("BillingModeSummary", {}).get(
            "BillingMode") == "PAY_PER_REQUEST"

    def apply(self, replica: dict, index: str | None, dimension: str, update: dict) -> None:
        if index is not None and index not in self.table.global_index_names:
            raise self.missing_index(self.table.name, index)
        if self.on_demand and not update.get("AutoScalingDisabled"):
            raise validation_error(settings_failure(
                self.table.name, ": auto scaling cannot be enabled for a table in "
                "PAY_PER_REQUEST billing mode."))
        settings = replica.setdefault("auto_scaling", {})
        holder = settings.setdefault("indexes", {}).setdefault(index, {}) if index else settings
        resource = f"table/{self.table.name}" + (f"/index/{index}" if index else "")
        holder[dimension] = updated_settings(update, table=self.table.name,
                                             dimension=dimension, resource=resource,
                                             account=self.account)


def _no_such_index(table: str, index: str) -> DynamoError:
    return resource_not_found(f"Global secondary index with name: '{index}' does not exist on "
                              f"global table with name: '{table}'.")

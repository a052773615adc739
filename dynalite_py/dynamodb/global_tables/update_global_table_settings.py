"""UpdateGlobalTableSettings (2017.11.29): change a legacy global table's
billing mode, write capacity (group-wide) and each replica's read capacity,
with their auto scaling settings. Capacity changes are UpdateTable calls on
each region's table, the calling region's first (so a refused change stops
there); auto scaling settings go to the group's replicas map."""
from __future__ import annotations

import copy

from ...errors import DynamoError, validation_error
from ..tables.catalog import Table
from ..tables.replicas import region_engine, set_replicas
from .global_table_settings import settings_description
from .legacy import legacy_group
from .replica_auto_scaling import SettingsChange

NAME = "UpdateGlobalTableSettings"
READ_ONLY = False
UPDATES = ("GlobalTableBillingMode", "GlobalTableProvisionedWriteCapacityUnits",
           "GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate",
           "GlobalTableGlobalSecondaryIndexSettingsUpdate", "ReplicaSettingsUpdate")


def run(engine, request: dict) -> dict:
    name = request["GlobalTableName"]
    table = legacy_group(engine, name)
    if all(request.get(field) is None for field in UPDATES):
        raise validation_error("One or more parameter values were invalid: at least one "
                               "setting to update must be given")
    replicas = updated_scaling(engine, table, request)
    regions = sorted(replicas, key=lambda region: region != engine.config.region)
    for region in regions:
        member = region_engine(engine, region)
        change = table_update(legacy_group(member, name), request, region)
        if change:
            member.call("UpdateTable", {"TableName": name, **change})
    now = engine.clock()
    for region in regions:
        set_replicas(region_engine(engine, region), name, replicas, now, updating=False,
                     legacy_group=table.record["legacy_group"])
    return settings_description(engine, legacy_group(engine, name))


def updated_scaling(engine, table: Table, request: dict) -> dict:
    """The replicas map with the request's auto scaling applied, after
    checking every region and index it names."""
    replicas = copy.deepcopy(table.record["replicas"])
    change = SettingsChange(engine, table, missing_index=_index_not_found)
    for index_update in request.get("GlobalTableGlobalSecondaryIndexSettingsUpdate") or ():
        _check_index(table, index_update["IndexName"])
    if request.get("GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate") is not None:
        for replica in replicas.values():
            change.apply(replica, None, "Write",
                         request["GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate"])
    for index_update in request.get("GlobalTableGlobalSecondaryIndexSettingsUpdate") or ():
        scaling = index_update.get("ProvisionedWriteCapacityAutoScalingSettingsUpdate")
        if scaling is not None:
            for replica in replicas.values():
                change.apply(replica, index_update["IndexName"], "Write", scaling)
    for replica_update in request.get("ReplicaSettingsUpdate") or ():
        region = replica_update["RegionName"]
        if region not in replicas:
            raise DynamoError("ReplicaNotFoundException", f"Replica in region {region} does "
                              f"not exist for global table {table.name}")
        scaling = replica_update.get("ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate")
        if scaling is not None:
            change.apply(replicas[region], None, "Read", scaling)
        for index_update in replica_update.get("ReplicaGlobalSecondaryIndexSettingsUpdate") or ():
            _check_index(table, index_update["IndexName"])
            scaling = index_update.get("ProvisionedReadCapacityAutoScalingSettingsUpdate")
            if scaling is not None:
                change.apply(replicas[region], index_update["IndexName"], "Read", scaling)
    return replicas


def table_update(table: Table, request: dict, region: str) -> dict:
    """The UpdateTable changes the request makes to `table`, in `region`."""
    replica = next((update for update in request.get("ReplicaSettingsUpdate") or ()
                    if update["RegionName"] == region), {})
    change: dict = {}
    if request.get("GlobalTableBillingMode"):
        change["BillingMode"] = request["GlobalTableBillingMode"]
    reads = replica.get("ReplicaProvisionedReadCapacityUnits")
    writes = request.get("GlobalTableProvisionedWriteCapacityUnits")
    if reads or writes:
        current = table.record["ProvisionedThroughput"]
        change["ProvisionedThroughput"] = {
            "ReadCapacityUnits": reads or current["ReadCapacityUnits"],
            "WriteCapacityUnits": writes or current["WriteCapacityUnits"]}
    index_updates = _index_throughput(table, request, replica)
    if index_updates:
        change["GlobalSecondaryIndexUpdates"] = index_updates
    if replica.get("ReplicaTableClass"):
        change["TableClass"] = replica["ReplicaTableClass"]
    return change


def _index_throughput(table: Table, request: dict, replica: dict) -> list[dict]:
    writes = {update["IndexName"]: update.get("ProvisionedWriteCapacityUnits")
              for update in request.get("GlobalTableGlobalSecondaryIndexSettingsUpdate") or ()}
    reads = {update["IndexName"]: update.get("ProvisionedReadCapacityUnits")
             for update in replica.get("ReplicaGlobalSecondaryIndexSettingsUpdate") or ()}
    updates = []
    for index in table.record.get("GlobalSecondaryIndexes", ()):
        name = index["IndexName"]
        if writes.get(name) or reads.get(name):
            current = index["ProvisionedThroughput"]
            updates.append({"Update": {"IndexName": name, "ProvisionedThroughput": {
                "ReadCapacityUnits": reads.get(name) or current["ReadCapacityUnits"],
                "WriteCapacityUnits": writes.get(name) or current["WriteCapacityUnits"]}}})
    return updates


def _check_index(table: Table, index: str) -> None:
    if index not in table.global_index_names:
        raise _index_not_found(table.name, index)


def _index_not_found(table: str, index: str) -> DynamoError:
    return DynamoError("IndexNotFoundException",
                       f"Index {index} does not exist for global table {table}")

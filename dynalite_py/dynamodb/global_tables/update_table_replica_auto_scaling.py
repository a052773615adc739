"""UpdateTableReplicaAutoScaling: change a global table's auto scaling, the
group's write capacity (ProvisionedWriteCapacityAutoScalingUpdate, and per
index in GlobalSecondaryIndexUpdates) and each replica's read capacity
(ReplicaUpdates). The settings are kept and described
(replica_auto_scaling.py), and change no capacity.

AWS's messages are ack-api-quirks' captures (DDB-TABLE-253); for a region
or index that is not the table's AWS answers ResourceNotFoundException with
no captured wording, and for a PAY_PER_REQUEST table it refuses everything
but disabling, wording not captured either: ours say what is wrong.
"""
from __future__ import annotations

import copy

from ...errors import resource_not_found, validation_error
from ..tables.catalog import Table
from ..tables.replicas import region_engine, set_replicas
from .auto_scaling import settings_failure
from .replica_auto_scaling import SettingsChange, auto_scaling_description, global_table

NAME = "UpdateTableReplicaAutoScaling"
READ_ONLY = False
UPDATES = ("ProvisionedWriteCapacityAutoScalingUpdate", "GlobalSecondaryIndexUpdates",
           "ReplicaUpdates")


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        table = global_table(engine, txn, request["TableName"])
    replicas = updated_replicas(engine, table, request)
    now = engine.clock()
    for region in replicas:
        set_replicas(region_engine(engine, region), table.name, replicas, now, updating=False)
    with engine.store.read() as txn:
        table = global_table(engine, txn, table.name)
        return {"TableAutoScalingDescription": auto_scaling_description(engine, txn, table)}


def updated_replicas(engine, table: Table, request: dict) -> dict:
    """The table's replicas map with the request's settings applied; every
    check is made before anything is written."""
    if all(request.get(field) is None for field in UPDATES):
        raise validation_error(settings_failure(
            table.name, " because at least one update parameter must be specified."))
    replicas = copy.deepcopy(table.record["replicas"])
    change = SettingsChange(engine, table)
    if request.get("ProvisionedWriteCapacityAutoScalingUpdate") is not None:
        for region in replicas:
            change.apply(replicas[region], None, "Write",
                         request["ProvisionedWriteCapacityAutoScalingUpdate"])
    for index_update in request.get("GlobalSecondaryIndexUpdates") or ():
        if index_update.get("ProvisionedWriteCapacityAutoScalingUpdate") is not None:
            for region in replicas:
                change.apply(replicas[region], index_update.get("IndexName"), "Write",
                             index_update["ProvisionedWriteCapacityAutoScalingUpdate"])
    seen: set[str] = set()
    for replica_update in request.get("ReplicaUpdates") or ():
        region = replica_update["RegionName"]
        replica = _replica_to_update(table, replicas, region, seen)
        if (replica_update.get("ReplicaProvisionedReadCapacityAutoScalingUpdate") is None
                and not replica_update.get("ReplicaGlobalSecondaryIndexUpdates")):
            raise validation_error(settings_failure(
                table.name, " because at least one update parameter must be specified for "
                f"region: \u2018{region}\u2019."))
        if replica_update.get("ReplicaProvisionedReadCapacityAutoScalingUpdate") is not None:
            change.apply(replica, None, "Read",
                         replica_update["ReplicaProvisionedReadCapacityAutoScalingUpdate"])
        for index_update in replica_update.get("ReplicaGlobalSecondaryIndexUpdates") or ():
            if index_update.get("ProvisionedReadCapacityAutoScalingUpdate") is not None:
                change.apply(replica, index_update.get("IndexName"), "Read",
                             index_update["ProvisionedReadCapacityAutoScalingUpdate"])
    return replicas


def _replica_to_update(table: Table, replicas: dict, region: str, seen: set[str]) -> dict:
    if region not in replicas:
        raise resource_not_found(f"Global table with name: '{table.name}' has no replica in "
                                 f"region: '{region}'.")
    if region in seen:
        raise validation_error(settings_failure(
            table.name, f" because region: \u2018{region}\u2019 is given more than once."))
    seen.add(region)
    return replicas[region]

"""DescribeTableReplicaAutoScaling: a global table's auto scaling settings,
every replica's (replica_auto_scaling.py)."""
from __future__ import annotations

from .replica_auto_scaling import auto_scaling_description, global_table

NAME = "DescribeTableReplicaAutoScaling"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        table = global_table(engine, txn, request["TableName"])
        return {"TableAutoScalingDescription": auto_scaling_description(engine, txn, table)}

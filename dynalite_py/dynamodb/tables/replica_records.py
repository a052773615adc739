"""What a global table's record keeps of its replicas (version 2019.11.21),
and how DescribeTable shows it.

Every replica's table record holds the same `replicas` map, region -> its
settings: when it was created ("created"; CREATING until then plus the
status delay), and the per-replica overrides UpdateTable's ReplicaUpdates
set (KMSMasterKeyId, ProvisionedThroughputOverride, OnDemandThroughputOverride,
GlobalSecondaryIndexes, TableClassOverride).
"""
from __future__ import annotations

GLOBAL_TABLE_VERSION = "2019.11.21"
OVERRIDES = ("KMSMasterKeyId", "ProvisionedThroughputOverride", "OnDemandThroughputOverride",
             "GlobalSecondaryIndexes", "TableClassOverride")


def replica_status(replica: dict, now: float, delay: float) -> str:
    return "CREATING" if now < replica["created"] + delay else "ACTIVE"


def replicas_description(record: dict, now: float, delay: float) -> dict:
    """Replicas and GlobalTableVersion, for a global table only. Every
    region is listed, the described one too (as AWS's answers usually do)."""
    replicas = record.get("replicas")
    if not replicas:
        return {}
    described = []
    for region in sorted(replicas):
        replica = replicas[region]
        entry = {"RegionName": region, "ReplicaStatus": replica_status(replica, now, delay)}
        for field in OVERRIDES[:4]:
            if replica.get(field):
                entry[field] = replica[field]
        if replica.get("TableClassOverride"):
            entry["ReplicaTableClassSummary"] = {"TableClass": replica["TableClassOverride"]}
        described.append(entry)
    return {"Replicas": described, "GlobalTableVersion": GLOBAL_TABLE_VERSION}

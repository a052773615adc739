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
LEGACY_VERSION = "2017.11.29"  # a legacy group's records say so (global_tables/legacy.py)
STRONG = "STRONG"  # MultiRegionConsistency of a strong group (multi_region_consistency.py)
# what AWS shows while a table has replicas (its settings go to every replica,
# with the per-replica overrides)
SETTINGS_REPLICATION_MODE = "ENABLED_WITH_OVERRIDES"
OVERRIDES = ("KMSMasterKeyId", "ProvisionedThroughputOverride", "OnDemandThroughputOverride",
             "GlobalSecondaryIndexes", "TableClassOverride")


def replica_status(replica: dict, now: float, delay: float) -> str:
    return "CREATING" if now < replica["created"] + delay else "ACTIVE"


def replicas_description(record: dict, region: str, now: float, delay: float) -> dict:
    """Replicas, GlobalTableVersion and GlobalTableSettingsReplicationMode,
    for a global table only, as AWS shows them in `region`: the other
    regions, never the described one (ack-api-quirks' capture DDB-TABLE-229)."""
    replicas = record.get("replicas")
    if not replicas:
        return {}
    if record.get("global_table_version") == LEGACY_VERSION:
        return {"GlobalTableVersion": LEGACY_VERSION}  # its group: DescribeGlobalTable
    described = []
    for other in sorted(set(replicas) - {region}):
        replica = replicas[other]
        entry = {"RegionName": other, "ReplicaStatus": replica_status(replica, now, delay),
                 "GlobalTableSettingsReplicationMode": SETTINGS_REPLICATION_MODE}
        for field in OVERRIDES[:4]:
            if replica.get(field):
                entry[field] = replica[field]
        if replica.get("TableClassOverride"):
            entry["ReplicaTableClassSummary"] = {"TableClass": replica["TableClassOverride"]}
        described.append(entry)
    return {"Replicas": described, "GlobalTableVersion": GLOBAL_TABLE_VERSION,
            "GlobalTableSettingsReplicationMode": SETTINGS_REPLICATION_MODE}


def consistency_description(record: dict, now: float, delay: float) -> dict:
    """MultiRegionConsistency and GlobalTableWitnesses, shown only for a
    STRONG group (an eventual one shows neither, as on AWS)."""
    if record.get("multi_region_consistency") != STRONG:
        return {}
    description: dict = {"MultiRegionConsistency": STRONG}
    witnesses = record.get("witnesses") or {}
    if witnesses:
        description["GlobalTableWitnesses"] = [
            {"RegionName": region, "WitnessStatus": "CREATING"
             if now < witness["created"] + delay else "ACTIVE"}
            for region, witness in sorted(witnesses.items())]
    return description

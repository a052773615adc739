"""The parts of a TableDescription that settings beyond the key schema
add: RestoreSummary (a restored table), OnDemandThroughput and
WarmThroughput (table_settings.py), each as DynamoDB shows it."""
from __future__ import annotations


def extra_description(record: dict) -> dict:
    extra: dict = {}
    restore = record.get("restore")
    if restore:
        summary = {key: restore[key] for key in ("SourceBackupArn", "SourceTableArn")
                   if restore.get(key)}
        summary["RestoreDateTime"] = restore["RestoreDateTime"]
        summary["RestoreInProgress"] = bool(restore.get("in_progress"))
        extra["RestoreSummary"] = summary
    if record.get("OnDemandThroughput"):
        extra["OnDemandThroughput"] = record["OnDemandThroughput"]
    if record.get("WarmThroughput"):
        extra["WarmThroughput"] = dict(record["WarmThroughput"], Status="ACTIVE")
    return extra

"""The parts of a TableDescription that settings beyond the key schema
add: RestoreSummary (a restored table), OnDemandThroughput and
WarmThroughput (table_settings.py), the time TableClass last changed,
each as DynamoDB shows it."""
from __future__ import annotations

from .table_settings import warm_throughput


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
    extra["WarmThroughput"] = dict(warm_throughput(record), Status="ACTIVE")
    if record.get("TableClassUpdated"):
        extra["TableClassSummary"] = {"TableClass": record["TableClass"],
                                      "LastUpdateDateTime": record["TableClassUpdated"]}
    return extra

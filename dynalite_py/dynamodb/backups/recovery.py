"""Point-in-time recovery settings of a table (its record's "pitr":
{"enabled_at", "period_days"}), the window it can be restored to, and the
ContinuousBackupsDescription DynamoDB shows."""
from __future__ import annotations

from ...errors import DynamoError
from ..tables.catalog import Table
from .backup_details import table_not_found

DEFAULT_PERIOD_DAYS = 35
DAY = 86_400


def recovery_seconds(pitr: dict) -> float:
    return pitr["period_days"] * DAY


def restorable_window(pitr: dict, now: float) -> tuple[float, float]:
    """(earliest, latest) restorable times: the history reaches back to
    when PITR was turned on, at most the recovery period."""
    return max(pitr["enabled_at"], now - recovery_seconds(pitr)), now


def continuous_backups_description(table: Table, now: float) -> dict:
    pitr = table.record.get("pitr")
    if pitr is None:
        return {"ContinuousBackupsStatus": "ENABLED",
                "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    earliest, latest = restorable_window(pitr, now)
    return {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": {
        "PointInTimeRecoveryStatus": "ENABLED", "RecoveryPeriodInDays": pitr["period_days"],
        "EarliestRestorableDateTime": earliest, "LatestRestorableDateTime": latest}}


def recovery_table(engine, txn, name: str) -> Table:
    """The table the continuous-backups operations name: ACTIVE, UPDATING or
    DELETING; TableNotFoundException otherwise (a CREATING one too:
    ack-api-quirks DDB-TABLE-098/115)."""
    table = engine.catalog.find(txn, name)
    if table is None or table.status(engine.clock()) == "CREATING":
        raise table_not_found(name)
    return table


def pitr_unavailable(name: str) -> DynamoError:
    return DynamoError("PointInTimeRecoveryUnavailableException",
                       f"Point in time recovery is not enabled for table '{name}'")

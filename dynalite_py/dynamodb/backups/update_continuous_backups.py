"""UpdateContinuousBackups: point-in-time recovery on (its history starts
now: storage/history.py) or off (the history is dropped)."""
from __future__ import annotations

from ..tables.catalog import table_name_from
from .recovery import DEFAULT_PERIOD_DAYS, continuous_backups_description, recovery_table
from .restores import invalid_request

NAME = "UpdateContinuousBackups"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    specification = request["PointInTimeRecoverySpecification"]
    enabled = specification["PointInTimeRecoveryEnabled"]
    period = specification.get("RecoveryPeriodInDays")
    if not enabled and period is not None:
        raise invalid_request("Cannot specify RecoveryPeriodInDays when disabling "
                              "point-in-time recovery.")
    name = table_name_from(request["TableName"])

    def update(ctx):
        now = engine.clock()
        table = recovery_table(engine, ctx.txn, name)
        record = dict(table.record)
        current = record.get("pitr")
        if enabled:
            record["pitr"] = {"enabled_at": current["enabled_at"] if current else now,
                              "period_days": period or (
                                  current["period_days"] if current else DEFAULT_PERIOD_DAYS)}
        elif current is not None:
            del record["pitr"]
            engine.repos.history.drop(ctx.txn, table.id)
        if record != table.record:
            table = engine.catalog.put(ctx, record)
        return {"ContinuousBackupsDescription": continuous_backups_description(table, now)}

    return engine.store.write(update)

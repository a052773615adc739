"""RestoreTableToPointInTime: a new table holding the source table exactly
as it was at a time within its restorable window (its items now, undone
by its change history: storage/history.py), with restores.py's overrides;
CREATING until jobs/restore.py has filled it."""
from __future__ import annotations

from ...errors import DynamoError
from ...jobs.restore import resume_restores
from ..tables.catalog import table_name_from
from .recovery import pitr_unavailable, recovery_table, restorable_window
from .restores import check_target_free, invalid_request, restored_record, start_restore

NAME = "RestoreTableToPointInTime"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    source_name = _source_name(request)
    latest = request.get("UseLatestRestorableTime")
    when = request.get("RestoreDateTime")
    if (when is None) == (not latest):
        raise invalid_request("Either one of RestoreDateTime or UseLatestRestorableTime must "
                              "be specified, but not both")
    name = request["TargetTableName"]

    def restore(ctx):
        now = engine.clock()
        source = recovery_table(engine, ctx.txn, source_name)
        pitr = source.record.get("pitr")
        if pitr is None:
            raise pitr_unavailable(source.name)
        check_target_free(engine, ctx, name)
        earliest, last = restorable_window(pitr, now)
        point = last if latest else when
        if not earliest <= point <= last:
            # UNCERTAIN wording: AWS's documented error, no capture of its message found
            raise DynamoError("InvalidRestoreTimeException",
                              f"Restore time {point} is outside the restorable window "
                              f"[{earliest}, {last}] of table {source.name}")
        record = restored_record(source.record, request, now, engine.config)
        table = start_restore(engine, ctx, record, {
            "source_table": source.name, "source_table_id": source.record["TableId"],
            "SourceTableArn": engine.catalog.table_arn(source.name), "RestoreDateTime": point})
        return {"TableDescription": engine.catalog.describe(ctx.txn, table, now)}

    response = engine.store.write(restore)
    resume_restores(engine)
    return response


def _source_name(request: dict) -> str:
    arn, name = request.get("SourceTableArn"), request.get("SourceTableName")
    if (arn is None) == (name is None):
        raise invalid_request("Must provide exactly one of: sourceTableArn, sourceTableName")
    return table_name_from(arn) if arn is not None else name

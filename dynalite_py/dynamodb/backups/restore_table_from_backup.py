"""RestoreTableFromBackup: a new table holding exactly a backup's items,
with the overrides DynamoDB allows (restores.py); CREATING until
jobs/restore.py has filled it."""
from __future__ import annotations

from ...jobs.restore import resume_restores
from .backup_details import backup_in_use, find_backup, restoring_from
from .restores import check_target_free, restored_record, start_restore

NAME = "RestoreTableFromBackup"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    arn, name = request["BackupArn"], request["TargetTableName"]

    def restore(ctx):
        now = engine.clock()
        backup = find_backup(engine, ctx.txn, arn)
        check_target_free(engine, ctx, name)
        if backup["status"] != "AVAILABLE":
            # UNCERTAIN wording: no capture of a restore from a CREATING backup
            raise backup_in_use(f"Backup is being created: {arn}")
        if restoring_from(engine, ctx.txn, backup["id"]) is not None:
            raise backup_in_use(f"Backup is being used to restore another table: {arn}")
        record = restored_record(backup["definition"], request, now, engine.config)
        table = start_restore(engine, ctx, record, {
            "backup_id": backup["id"], "SourceBackupArn": arn,
            "SourceTableArn": backup["source"]["TableArn"], "RestoreDateTime": backup["created"]})
        return {"TableDescription": engine.catalog.describe(ctx.txn, table, now)}

    response = engine.store.write(restore)
    resume_restores(engine)
    return response

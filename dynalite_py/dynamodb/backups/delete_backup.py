"""DeleteBackup: remove a backup and its items at once (DELETED in the
answer, BackupNotFoundException from then on)."""
from __future__ import annotations

from .backup_details import backup_description, backup_in_use, find_backup, restoring_from

NAME = "DeleteBackup"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    arn = request["BackupArn"]

    def delete(ctx):
        record = find_backup(engine, ctx.txn, arn)
        if restoring_from(engine, ctx.txn, record["id"]) is not None:
            raise backup_in_use(f"Backup is being used to restore table: {arn}")
        engine.repos.backups.delete(ctx.txn, record["id"])
        return {"BackupDescription": backup_description(record, status="DELETED")}

    return engine.store.write(delete)

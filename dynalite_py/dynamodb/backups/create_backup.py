"""CreateBackup: a backup of a table as it is now (jobs/backups.py takes
it from a store snapshot); answered while CREATING."""
from __future__ import annotations

from ...jobs.backups import take_backup
from ..tables.catalog import table_name_from
from .backup_details import backup_details

NAME = "CreateBackup"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    record = take_backup(engine, table_name_from(request["TableName"]), request["BackupName"])
    return {"BackupDetails": backup_details(record)}

"""DescribeBackup: a backup's details, source table and its features."""
from __future__ import annotations

from .backup_details import backup_description, find_backup

NAME = "DescribeBackup"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        record = find_backup(engine, txn, request["BackupArn"])
    return {"BackupDescription": backup_description(record)}

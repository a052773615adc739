"""DescribeContinuousBackups: a table's PITR status and restorable window."""
from __future__ import annotations

from ..tables.catalog import table_name_from
from .recovery import continuous_backups_description, recovery_table

NAME = "DescribeContinuousBackups"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        table = recovery_table(engine, txn, table_name_from(request["TableName"]))
    return {"ContinuousBackupsDescription": continuous_backups_description(
        table, engine.clock())}

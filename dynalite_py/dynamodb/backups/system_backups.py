"""The SYSTEM backup DynamoDB keeps of a table deleted with point-in-time
recovery on: named "<table>$DeletedTableBackup", BackupType SYSTEM, listed
by ListBackups with BackupType SYSTEM or ALL, restorable and deletable like
any backup. It is taken inside DeleteTable's own transaction, before the
items go, so it holds exactly the table as it was deleted."""
from __future__ import annotations

from ...storage.interface import WriteContext
from ..tables.catalog import Table
from .backup_details import new_backup_id, new_backup_record

COPY_BATCH = 1000


def system_backup_name(table_name: str) -> str:
    return f"{table_name}$DeletedTableBackup"


def keep_system_backup(ctx: WriteContext, engine, table: Table, now: float) -> None:
    """Record an AVAILABLE SYSTEM backup of `table` with all its items."""
    repos = engine.repos
    count, size = repos.counts.get(ctx.txn, table.id)
    backup_id = new_backup_id(now)
    record = new_backup_record(engine, table, backup_id, system_backup_name(table.name), now,
                               count, size)
    repos.backups.put(ctx.txn, dict(record, status="AVAILABLE", type="SYSTEM"))
    after = None
    while True:
        batch = repos.items.stored_after(ctx.txn, table.id, after, COPY_BATCH)
        repos.backups.add_items(ctx.txn, backup_id,
                                [(key[len(table.id):], raw) for key, raw in batch])
        if len(batch) < COPY_BATCH:
            return
        after = batch[-1][0]

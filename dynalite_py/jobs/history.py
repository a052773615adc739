"""Trimming point-in-time recovery histories (storage/history.py) to each
table's recovery period, a batch per transaction."""
from __future__ import annotations

from ..dynamodb.backups.recovery import recovery_seconds

TRIM_BATCH = 1000


def trim_histories(engine) -> None:
    store, history = engine.store, engine.repos.history
    now = engine.clock()
    with store.read() as txn:
        cutoffs = [(table.id, now - recovery_seconds(table.record["pitr"]))
                   for table in engine.catalog.tables(txn) if table.keeps_history]
        due = [(table_id, cutoff) for table_id, cutoff in cutoffs
               if history.has_records_before(txn, table_id, cutoff)]
    for table_id, cutoff in due:
        while not store.write(lambda ctx, table_id=table_id, cutoff=cutoff: history.trim(
                ctx.txn, table_id, cutoff, TRIM_BATCH)):
            pass

"""DeleteTable: mark the table DELETING and remove its items in one commit."""
from __future__ import annotations

from .. import streams, ttl
from ..catalog import table_in_use, table_name_from
from ..errors import validation_error
from ..indexes import stats_key
from ..model.keys import iterate_prefix

NAME = "DeleteTable"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    name = table_name_from(request["TableName"])
    catalog, store = engine.catalog, engine.store

    def delete(ctx):
        table = catalog.require(ctx, name)
        now = engine.clock()
        status = table.status(now)
        if status != "ACTIVE":
            raise table_in_use(name, status)
        if table.record.get("DeletionProtectionEnabled"):
            raise validation_error("Resource cannot be deleted as it is currently protected "
                                   "against deletion. Disable deletion protection first.")
        description = catalog.describe(ctx.txn, table)
        description["TableStatus"] = "DELETING"
        record = dict(table.record, TableStatus="DELETING", stream=None,
                      settles_at=now + engine.config.table_status_delay)
        catalog.put(ctx, record)
        purge_table_items(ctx, store, table)
        ttl.drop_index(ctx, store, table.id)
        if table.stream_number is not None:  # readable for its retention period
            streams.disable_stream(ctx, store, table.stream_number)
        return {"TableDescription": description}

    return store.write(delete)


def purge_table_items(ctx, store, table) -> None:
    """Remove a table's items and index entries with their statistics."""
    owners = [(store.items, table.id, table.id)] + [
        (store.indexes, index.id, stats_key(index)) for index in table.indexes]
    for db, prefix, stats in owners:
        keys = [key for key, _ in iterate_prefix(ctx.txn, db, prefix)]
        for key in keys:
            ctx.txn.delete(key, db=db)
        ctx.txn.delete(stats, db=store.stats)

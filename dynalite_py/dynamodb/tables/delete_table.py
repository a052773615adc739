"""DeleteTable: mark the table DELETING and remove its items in one commit
(keeping a SYSTEM backup of a table with point-in-time recovery on)."""
from __future__ import annotations

import logging

from ...errors import validation_error
from ...protocol.validation import ShapeRules
from ...streams import log as streams
from ..backups.system_backups import keep_system_backup
from .catalog import table_name_from
from .multi_region_consistency import only_one_replica
from .table_data import purge_table_items

log = logging.getLogger("dynalite_py.tables")
NAME = "DeleteTable"
READ_ONLY = False
# A missing TableName is reported on its own, before any aggregated error
# (dynalite's tests).
SHAPE_RULES = ShapeRules(required_parameter="TableName")


def run(engine, request: dict) -> dict:
    name = table_name_from(request["TableName"])
    catalog, repos = engine.catalog, engine.repos

    def delete(ctx):
        now = engine.clock()
        table = catalog.require_active(ctx, name, now)
        if table.strongly_consistent:
            raise only_one_replica()
        if table.record.get("DeletionProtectionEnabled"):
            raise validation_error("Resource cannot be deleted as it is currently protected "
                                   "against deletion. Disable deletion protection first.")
        description = deleting_description(catalog.describe(ctx.txn, table))
        record = dict(table.record, TableStatus="DELETING", stream=None,
                      settles_at=now + engine.config.table_status_delay)
        catalog.put(ctx, record)
        if table.keeps_history:  # AWS keeps what PITR could restore (35 days)
            keep_system_backup(ctx, engine, table, now)
        purge_table_items(ctx, repos, table)
        repos.expiry.drop(ctx.txn, table.id)
        if table.stream_number is not None:  # readable for its retention period
            streams.disable_stream(ctx, repos.streams, table.stream_number)
        return {"TableDescription": description}

    response = engine.store.write(delete)
    log.info("table %s deleted", name)
    return response


# What DynamoDB's DeleteTable answer keeps of the table's description: no key
# schema, attribute definitions, creation time, indexes or stream (scylladb's
# test_delete_table_description and ..._with_si, run against AWS;
# architect/dynalite#60 quotes an AWS answer).
DELETED_DESCRIPTION = ("TableName", "TableStatus", "ProvisionedThroughput", "TableSizeBytes",
                       "ItemCount", "TableArn", "TableId", "BillingModeSummary",
                       "SSEDescription", "TableClassSummary", "DeletionProtectionEnabled")


def deleting_description(description: dict) -> dict:
    reduced = {field: description[field] for field in DELETED_DESCRIPTION if field in description}
    reduced["TableStatus"] = "DELETING"
    return reduced


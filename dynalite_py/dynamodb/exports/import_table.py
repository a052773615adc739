"""ImportTable: a new table, with its indexes, filled from S3 objects
(DYNAMODB_JSON, ION or CSV; uncompressed, GZIP or ZSTD) by jobs/imports.py; CREATING
(and invisible to data operations) until the import COMPLETES; removed if
it FAILS. A ClientToken already used answers that import again."""
from __future__ import annotations

from ...errors import resource_in_use
from ...jobs.imports import start_import
from ...storage.catalog import INDEX_NUMBERS, TABLE_NUMBERS
from ..tables import create_table
from .import_details import import_description, new_import_id, new_import_record

NAME = "ImportTable"
READ_ONLY = False
_TABLE_FIELDS = ("TableName", "AttributeDefinitions", "KeySchema", "BillingMode",
                 "ProvisionedThroughput", "OnDemandThroughput", "SSESpecification",
                 "GlobalSecondaryIndexes")


def run(engine, request: dict) -> dict:
    parameters = request["TableCreationParameters"]
    definition = {field: parameters[field] for field in _TABLE_FIELDS
                  if parameters.get(field) is not None}
    create_table.validate(definition)
    token = request.get("ClientToken")
    now = engine.clock()
    catalog = engine.catalog

    def create(ctx):
        if token is not None:
            for record in engine.repos.imports.all(ctx.txn):
                if record["description"]["ClientToken"] == token:
                    return record
        name = definition["TableName"]
        if catalog.current(ctx, name) is not None:
            raise resource_in_use(f"Table already exists: {name}")
        import_id = new_import_id(now)
        table_record = create_table.build_record(
            definition, catalog.next_number(ctx, TABLE_NUMBERS), now, float("inf"),
            engine.config)
        table_record["import"] = {"id": import_id, "in_progress": True}
        for index in table_record.get("GlobalSecondaryIndexes", ()):
            index["number"] = catalog.next_number(ctx, INDEX_NUMBERS)
        catalog.put(ctx, table_record)
        record = new_import_record(engine, request, import_id, table_record, now)
        engine.repos.imports.put(ctx.txn, record)
        return record

    record = engine.store.write(create)
    start_import(engine, record["id"])
    return {"ImportTableDescription": import_description(record)}

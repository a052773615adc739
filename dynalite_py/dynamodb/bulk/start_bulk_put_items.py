"""StartBulkPutItems: put the items of S3 objects (DYNAMODB_JSON or ION;
uncompressed, GZIP or ZSTD) into an existing table, each under its own
condition if its record gives one, as a background job (jobs/bulk_puts.py)
answered while IN_PROGRESS. The table must be ACTIVE (or UPDATING), not
building an index, and not a global table (AWS's requirements). A
ClientToken used in the last 8 hours answers that operation again when
the parameters are the same, IdempotentParameterMismatchException when not.
"""
from __future__ import annotations

from ...errors import DynamoError, resource_in_use, validation_error
from ...jobs.bulk_puts import start_bulk_put
from .bulk_details import bulk_description, new_bulk_id, new_bulk_record, start_parameters

NAME = "StartBulkPutItems"
READ_ONLY = False
TOKEN_HOURS = 8


def run(engine, request: dict) -> dict:
    check_output(request["OutputS3Configuration"])
    token = request.get("ClientToken")
    now = engine.clock()

    def start(ctx):
        if token is not None:
            reused = _reused(engine, ctx.txn, token, request, now)
            if reused is not None:
                return reused, False
        table = engine.catalog.described(ctx.txn, request["TableName"])
        check_table(table, now)
        record = new_bulk_record(engine, request, new_bulk_id(now), table, now)
        engine.repos.bulk_operations.put(ctx.txn, record)
        return record, True

    record, started = engine.store.write(start)
    if started:
        start_bulk_put(engine, record["id"])
    return {"BulkOperationDescription": bulk_description(record)}


def check_output(output: dict) -> None:
    """What the model leaves optional and DynamoDB still requires."""
    if not output.get("S3Bucket"):
        raise validation_error("OutputS3Configuration.S3Bucket is required")
    if not output.get("OutputType") or None in output["OutputType"]:
        raise validation_error("OutputS3Configuration.OutputType must name at least one of "
                               "ERROR and CONDITION_CHECK_FAILURE")
    algorithm, key = output.get("S3SseAlgorithm"), output.get("S3SseKmsKeyId")
    if key is not None and algorithm != "KMS":
        raise validation_error("OutputS3Configuration.S3SseKmsKeyId is allowed only when "
                               "S3SseAlgorithm is KMS")


def check_table(table, now: float) -> None:
    status = table.status(now)
    importing = (table.record.get("import") or {}).get("in_progress")
    if status not in ("ACTIVE", "UPDATING") or importing:
        raise resource_in_use(f"Table {table.name} is {status}: a bulk operation needs an "
                              "ACTIVE table")
    if any(index.get("IndexStatus") == "CREATING"
           for index in table.record.get("GlobalSecondaryIndexes", ())):
        raise resource_in_use(f"Table {table.name} is creating a secondary index: a bulk "
                              "operation cannot start until it is ACTIVE")
    if table.replica_regions:
        raise validation_error(f"Table {table.name} is part of a global table: bulk put items "
                               "does not support global tables")


def _reused(engine, txn, token: str, request: dict, now: float) -> dict | None:
    """The operation this ClientToken started in the last 8 hours, if any."""
    for record in engine.repos.bulk_operations.newest_first(txn):
        if record["started_at"] < now - TOKEN_HOURS * 3600:
            return None
        if record["description"]["ClientToken"] == token:
            if record["parameters"] != start_parameters(request):
                raise DynamoError("IdempotentParameterMismatchException",
                                  "The request uses the same client token as a previous, but "
                                  "non-identical request.")
            return record
    return None

"""Bulk operation ARNs, records and the shapes DynamoDB answers with.

A bulk operation belongs to the account and region, not to a table (its
description lists TableDetails, ListBulkOperations lists every table's),
so its ARN is "arn:aws:dynamodb:<region>:<account>:bulk-operation/<id>",
the id being "<start epoch ms, 14 digits>-<8 hex>" as for imports.
UNCERTAIN: AWS's documentation shows no bulk operation ARN; the model
only says at least 37 characters. ListBulkOperations' NextToken is hex,
as the model requires: the last id listed, hex-encoded (import_details).
"""
from __future__ import annotations

import re

from ...errors import DynamoError, validation_error
from ..backups.backup_details import millis
from ..exports.import_details import new_import_id

_BULK_ARN = re.compile(
    r"arn:aws:dynamodb:([a-z0-9-]+):(\d{12}):bulk-operation/(\d{14}-[0-9a-f]{8})")
new_bulk_id = new_import_id  # the same "<ms>-<hex>" form
TERMINAL = frozenset(("COMPLETED", "COMPLETED_WITH_ERRORS", "CANCELLED", "FAILED"))
# what the start request holds that a reused ClientToken must match
_PARAMETERS = ("InputS3Configuration", "OutputS3Configuration", "TableName",
               "MaxWriteRequestUnits", "PerformanceTier")


def bulk_arn(config, bulk_id: str) -> str:
    return f"arn:aws:dynamodb:{config.region}:{config.account_id}:bulk-operation/{bulk_id}"


def find_bulk_operation(engine, txn, arn: str) -> dict:
    match = _BULK_ARN.fullmatch(arn)
    if match is None:
        raise validation_error(f"Invalid BulkOperationArn: {arn}")
    record = engine.repos.bulk_operations.get(txn, match.group(3))
    config = engine.config
    if record is None or (match.group(1), match.group(2)) != (config.region, config.account_id):
        raise DynamoError("ResourceNotFoundException",
                          f"Requested resource not found: BulkOperation: {arn} not found")
    return record


def bulk_in_progress(engine, txn, table) -> bool:
    """Whether a bulk operation is putting items into this very table."""
    return any(record["table_id"] == table.record["TableId"] and record["description"][
        "BulkOperationStatus"] in ("IN_PROGRESS", "CANCELLING")
        for record in engine.repos.bulk_operations.all(txn))


def start_parameters(request: dict) -> dict:
    """The request's parameters as a reused ClientToken compares them."""
    return {field: request[field] for field in _PARAMETERS if request.get(field) is not None}


def new_bulk_record(engine, request: dict, bulk_id: str, table, now: float) -> dict:
    output = dict(request["OutputS3Configuration"])
    return {"id": bulk_id, "table_name": table.name, "table_id": table.record["TableId"],
            "parameters": start_parameters(request), "started_at": now,
            "position": {"key": "", "line": 0}, "reports": [], "usage": {},
            "description": {
                "BulkOperationArn": bulk_arn(engine.config, bulk_id),
                "BulkOperationStatus": "IN_PROGRESS",
                "TableDetails": [{"TableName": table.name, "TableId": table.record["TableId"]}],
                "ClientToken": request.get("ClientToken") or bulk_id,
                "InputS3Configuration": dict(request["InputS3Configuration"], **{
                    "InputCompressionType": request["InputS3Configuration"].get(
                        "InputCompressionType") or "NONE"}),
                "OutputS3Configuration": output,
                "StartTime": millis(now) / 1000,
                "ProcessedItemCount": 0, "ProcessedInputBytes": 0, "FailedItemCount": 0,
                "MaxWriteRequestUnits": request.get("MaxWriteRequestUnits"),
                "PerformanceTier": request.get("PerformanceTier") or "STANDARD"}}


def bulk_description(record: dict) -> dict:
    described = {key: value for key, value in record["description"].items()
                 if value is not None}
    described["BulkOperationUsage"] = [usage_of(record)]
    return described


def usage_of(record: dict) -> dict:
    """BulkOperationUsage's entry for the table: bytes the operation put in
    the table and in each of its indexes (vector indexes: vector bytes)."""
    usage = record["usage"]
    table_bytes = usage.get("table", 0)
    entry = {"TableName": record["table_name"], "BulkPutBytes": table_bytes + sum(
        usage.get("global", {}).values()) + sum(usage.get("local", {}).values()),
        "Table": {"BulkPutBytes": table_bytes}}
    for field, kind in (("GlobalSecondaryIndexes", "global"),
                        ("LocalSecondaryIndexes", "local")):
        if usage.get(kind):
            entry[field] = {name: {"BulkPutBytes": size} for name, size in usage[kind].items()}
    if usage.get("vector"):
        entry["VectorIndexes"] = {name: {"BulkPutVectorBytes": size}
                                  for name, size in usage["vector"].items()}
    return entry


def bulk_summary(record: dict) -> dict:
    described = record["description"]
    return {field: described[field] for field in (
        "BulkOperationArn", "BulkOperationStatus", "StartTime", "EndTime")
        if described.get(field) is not None}

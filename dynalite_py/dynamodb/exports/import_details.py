"""Import ARNs, import records and the shapes DynamoDB answers with.

An import ARN is the new table's ARN + "/import/<id>", the id being
"<start epoch ms, 14 digits>-<8 hex>". ListImports' NextToken is, as the
model requires, hex ("([0-9a-f]{16})+", at least 112 long): the last id
listed, hex-encoded and zero-padded.
"""
from __future__ import annotations

import re

from ...errors import DynamoError, validation_error
from ..backups.backup_details import millis
from .export_details import new_export_id

_IMPORT_ARN = re.compile(
    r"arn:aws:dynamodb:[a-z0-9-]*:(\d{12}):table/([^/]+)/import/(\d{14}-[0-9a-f]{8})")
TOKEN_LENGTH = 112
new_import_id = new_export_id


def import_arn(table_arn: str, import_id: str) -> str:
    return f"{table_arn}/import/{import_id}"


def find_import(engine, txn, arn: str) -> dict:
    match = _IMPORT_ARN.fullmatch(arn)
    if match is None:
        raise validation_error(f"Invalid ImportArn: {arn}")
    record = engine.repos.imports.get(txn, match.group(3))
    if record is None or match.group(1) != engine.config.account_id:
        raise DynamoError("ImportNotFoundException", f"Import not found: {arn}")
    return record


def new_import_record(engine, request: dict, import_id: str, table_record: dict,
                      now: float) -> dict:
    table_arn = engine.catalog.table_arn(table_record["TableName"])
    config = engine.config
    return {"id": import_id, "table_name": table_record["TableName"],
            "table_id": table_record["TableId"], "description": {
                "ImportArn": import_arn(table_arn, import_id), "ImportStatus": "IN_PROGRESS",
                "TableArn": table_arn, "TableId": table_record["TableId"],
                "ClientToken": request.get("ClientToken") or import_id,
                "S3BucketSource": request["S3BucketSource"],
                "ErrorCount": 0,
                "CloudWatchLogGroupArn": f"arn:aws:logs:{config.region}:{config.account_id}:"
                                         "log-group:/aws-dynamodb/imports:*",
                "InputFormat": request["InputFormat"],
                "InputFormatOptions": request.get("InputFormatOptions"),
                "InputCompressionType": request.get("InputCompressionType") or "NONE",
                "TableCreationParameters": request["TableCreationParameters"],
                "StartTime": millis(now) / 1000, "ProcessedSizeBytes": 0,
                "ProcessedItemCount": 0, "ImportedItemCount": 0}}


def import_description(record: dict) -> dict:
    return {key: value for key, value in record["description"].items() if value is not None}


def import_summary(record: dict) -> dict:
    described = import_description(record)
    return {field: described[field] for field in (
        "ImportArn", "ImportStatus", "TableArn", "S3BucketSource", "CloudWatchLogGroupArn",
        "InputFormat", "StartTime", "EndTime") if field in described}


def next_token(import_id: str) -> str:
    return import_id.encode().hex().ljust(TOKEN_LENGTH, "0")


def job_id_of_token(token: str) -> str:
    """The id a NextToken of ListImports or ListBulkOperations continues after."""
    try:
        return bytes.fromhex(token).rstrip(b"\0").decode()
    except ValueError:
        raise validation_error("Invalid NextToken") from None

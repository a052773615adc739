"""Export ARNs, export records and the ExportDescription DynamoDB shows.

An export ARN is the table's ARN + "/export/<id>", the id being
"<start epoch ms, 14 digits>-<8 hex>" as AWS spells it. Its objects go
under S3Prefix/AWSDynamoDB/<id>/ (AWS's layout: jobs/exports.py).
"""
from __future__ import annotations

import re

from ...errors import DynamoError, validation_error
from ..backups.backup_details import millis, new_backup_id

_EXPORT_ARN = re.compile(
    r"arn:aws:dynamodb:[a-z0-9-]*:(\d{12}):table/([^/]+)/export/(\d{14}-[0-9a-f]{8})")
new_export_id = new_backup_id  # the same "<ms>-<hex>" form


def export_arn(table_arn: str, export_id: str) -> str:
    return f"{table_arn}/export/{export_id}"


def export_root(prefix: str | None, export_id: str) -> str:
    """The S3 key every object of the export starts with."""
    return f"{prefix.rstrip('/')}/AWSDynamoDB/{export_id}/" if prefix else \
        f"AWSDynamoDB/{export_id}/"


def find_export(engine, txn, arn: str) -> dict:
    """The export an ARN names: ValidationException for a malformed ARN,
    ExportNotFoundException for one naming no export."""
    match = _EXPORT_ARN.fullmatch(arn)
    if match is None:
        raise validation_error(f"Invalid ExportArn: {arn}")
    record = engine.repos.exports.get(txn, match.group(3))
    if record is None or match.group(1) != engine.config.account_id:
        raise DynamoError("ExportNotFoundException", f"Export not found: {arn}")
    return record


def new_export_record(engine, table, request: dict, export_id: str, now: float,
                      export_time: float | None, period: tuple[float, float] | None = None
                      ) -> dict:
    """`export_time` for a full export, `period` [from, to) for an incremental one."""
    table_arn = engine.catalog.table_arn(table.name)
    spec = request.get("IncrementalExportSpecification") or {}
    incremental = None if period is None else {
        "ExportFromTime": period[0], "ExportToTime": period[1],
        "ExportViewType": spec.get("ExportViewType") or "NEW_AND_OLD_IMAGES"}
    return {"id": export_id, "table_name": table.name, "table_number": table.record["number"],
            "description": {
                "ExportArn": export_arn(table_arn, export_id), "ExportStatus": "IN_PROGRESS",
                "StartTime": millis(now) / 1000, "TableArn": table_arn,
                "TableId": table.record["TableId"], "ExportTime": export_time,
                "ClientToken": request.get("ClientToken") or export_id,
                "S3Bucket": request["S3Bucket"],
                "S3BucketOwner": request.get("S3BucketOwner") or engine.config.account_id,
                "S3Prefix": request.get("S3Prefix"),
                "S3SseAlgorithm": request.get("S3SseAlgorithm") or "AES256",
                "S3SseKmsKeyId": request.get("S3SseKmsKeyId"),
                "ExportFormat": request.get("ExportFormat") or "DYNAMODB_JSON",
                "ExportType": request.get("ExportType") or "FULL_EXPORT",
                "IncrementalExportSpecification": incremental,
                "FilterSpecification": request.get("FilterSpecification")}}


def export_description(record: dict) -> dict:
    return {key: value for key, value in record["description"].items() if value is not None}


def export_summary(record: dict) -> dict:
    described = record["description"]
    return {"ExportArn": described["ExportArn"], "ExportStatus": described["ExportStatus"],
            "ExportType": described["ExportType"]}

"""DescribeExport: an export's description, IN_PROGRESS then COMPLETED
(with ItemCount, BilledSizeBytes, ExportManifest) or FAILED (with
FailureCode and FailureMessage)."""
from __future__ import annotations

from .export_details import export_description, find_export

NAME = "DescribeExport"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        record = find_export(engine, txn, request["ExportArn"])
    return {"ExportDescription": export_description(record)}

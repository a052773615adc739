"""DescribeImport: an import's description with its progress
(ProcessedItemCount, ProcessedSizeBytes, ImportedItemCount, ErrorCount)."""
from __future__ import annotations

from .import_details import find_import, import_description

NAME = "DescribeImport"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        record = find_import(engine, txn, request["ImportArn"])
    return {"ImportTableDescription": import_description(record)}

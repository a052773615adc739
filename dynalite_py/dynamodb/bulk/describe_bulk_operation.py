"""DescribeBulkOperation: a bulk operation's description with its progress
(ProcessedItemCount, ProcessedInputBytes, TotalInputBytes, FailedItemCount,
BulkOperationUsage)."""
from __future__ import annotations

from .bulk_details import bulk_description, find_bulk_operation

NAME = "DescribeBulkOperation"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        record = find_bulk_operation(engine, txn, request["BulkOperationArn"])
    return {"BulkOperationDescription": bulk_description(record)}

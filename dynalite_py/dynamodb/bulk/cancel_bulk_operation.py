"""CancelBulkOperation: an IN_PROGRESS operation becomes CANCELLING; its
job stops before its next batch and makes it CANCELLED (items already
written stay). Cancelling one that is CANCELLING or CANCELLED answers its
status again; one that has finished otherwise cannot be cancelled."""
from __future__ import annotations

from ...errors import validation_error
from .bulk_details import find_bulk_operation

NAME = "CancelBulkOperation"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    arn = request["BulkOperationArn"]

    def cancel(ctx):
        record = find_bulk_operation(engine, ctx.txn, arn)
        status = record["description"]["BulkOperationStatus"]
        if status == "IN_PROGRESS":
            status = "CANCELLING"
            engine.repos.bulk_operations.put(ctx.txn, dict(record, description=dict(
                record["description"], BulkOperationStatus=status)))
        elif status not in ("CANCELLING", "CANCELLED"):
            # UNCERTAIN: AWS's answer for a finished operation is not documented
            raise validation_error(f"Bulk operation {arn} is {status} and cannot be cancelled")
        return status

    return {"BulkOperationArn": arn, "BulkOperationStatus": engine.store.write(cancel)}

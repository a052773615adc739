"""ExportTableToPointInTime: write the table as of ExportTime (now by
default; PITR must be on) to S3 in AWS's layout (jobs/exports.py), as
DYNAMODB_JSON or ION;
answered while IN_PROGRESS. A ClientToken already used answers that
export again."""
from __future__ import annotations

from ...errors import validation_error
from ...jobs.exports import start_export
from .export_details import export_description
from .table_arns import table_of_arn

NAME = "ExportTableToPointInTime"
READ_ONLY = False
SUPPORTED = {"ExportType": ("FULL_EXPORT",)}


def run(engine, request: dict) -> dict:
    name = table_of_arn(request["TableArn"])
    for field, supported in SUPPORTED.items():
        if (request.get(field) or supported[0]) not in supported:
            # not built yet: refused plainly rather than exported wrongly
            raise validation_error(f"{field} {request[field]} is not supported by dynalite-py")
    token = request.get("ClientToken")
    if token is not None:
        with engine.store.read() as txn:
            for record in engine.repos.exports.all(txn):
                if record["description"]["ClientToken"] == token:
                    return {"ExportDescription": export_description(record)}
    return {"ExportDescription": export_description(start_export(engine, name, request))}

"""ExportTableToPointInTime: write the table as of ExportTime (now by
default; PITR must be on) to S3 in AWS's layout (jobs/exports.py), as
DYNAMODB_JSON or ION; or, for an INCREMENTAL_EXPORT, the changes of the
period IncrementalExportSpecification gives; answered while IN_PROGRESS.
A ClientToken already used answers that export again."""
from __future__ import annotations

from ...jobs.exports import start_export
from .export_details import export_description
from .table_arns import table_of_arn

NAME = "ExportTableToPointInTime"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    name = table_of_arn(request["TableArn"])
    token = request.get("ClientToken")
    if token is not None:
        with engine.store.read() as txn:
            for record in engine.repos.exports.all(txn):
                if record["description"]["ClientToken"] == token:
                    return {"ExportDescription": export_description(record)}
    return {"ExportDescription": export_description(start_export(engine, name, request))}

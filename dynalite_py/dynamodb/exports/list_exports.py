"""ListExports: exports in start order, of one table when TableArn is
given, MaxResults (default and most 25) a page, NextToken continuing."""
from __future__ import annotations

from ...errors import validation_error
from .export_details import export_summary
from .table_arns import table_of_arn

NAME = "ListExports"
READ_ONLY = True
MAX_PAGE = 25


def run(engine, request: dict) -> dict:
    name = table_of_arn(request["TableArn"]) if request.get("TableArn") else None
    after = request.get("NextToken")
    limit = request.get("MaxResults") or MAX_PAGE
    with engine.store.read() as txn:
        if after is not None and engine.repos.exports.get(txn, after) is None:
            raise validation_error("Invalid NextToken")
        wanted = [record for record in engine.repos.exports.all(txn, after)
                  if name is None or record["table_name"] == name]
    response: dict = {"ExportSummaries": [export_summary(record) for record in wanted[:limit]]}
    if len(wanted) > limit:
        response["NextToken"] = wanted[limit - 1]["id"]
    return response

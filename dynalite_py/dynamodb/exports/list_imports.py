"""ListImports: imports in start order, into one table when TableArn is
given, PageSize (default and most 25) a page, NextToken continuing."""
from __future__ import annotations

from ...errors import validation_error
from .import_details import import_summary, job_id_of_token, next_token
from .table_arns import table_of_arn

NAME = "ListImports"
READ_ONLY = True
MAX_PAGE = 25


def run(engine, request: dict) -> dict:
    name = table_of_arn(request["TableArn"]) if request.get("TableArn") else None
    token = request.get("NextToken")
    after = job_id_of_token(token) if token is not None else None
    limit = request.get("PageSize") or MAX_PAGE
    with engine.store.read() as txn:
        if after is not None and engine.repos.imports.get(txn, after) is None:
            raise validation_error("Invalid NextToken")
        wanted = [record for record in engine.repos.imports.all(txn, after)
                  if name is None or record["table_name"] == name]
    response: dict = {"ImportSummaryList": [import_summary(record) for record in wanted[:limit]]}
    if len(wanted) > limit:
        response["NextToken"] = next_token(wanted[limit - 1]["id"])
    return response

"""ListBulkOperations: the account's bulk operations in this region that
started in the past 90 days, the most recent first, MaxResults (default
and most 25) a page, NextToken continuing."""
from __future__ import annotations

from ...errors import validation_error
from ..exports.import_details import job_id_of_token, next_token
from .bulk_details import bulk_summary

NAME = "ListBulkOperations"
READ_ONLY = True
MAX_PAGE = 25
LISTED_DAYS = 90


def run(engine, request: dict) -> dict:
    token = request.get("NextToken")
    before = job_id_of_token(token) if token is not None else None
    limit = request.get("MaxResults") or MAX_PAGE
    oldest = engine.clock() - LISTED_DAYS * 86400
    page = []
    with engine.store.read() as txn:
        if before is not None and engine.repos.bulk_operations.get(txn, before) is None:
            raise validation_error("Invalid NextToken")
        for record in engine.repos.bulk_operations.newest_first(txn, before):
            if record["started_at"] < oldest:
                break
            page.append(record)
            if len(page) > limit:
                break
    response: dict = {"BulkOperationsSummaryList": [bulk_summary(record)
                                                    for record in page[:limit]]}
    if len(page) > limit:
        response["NextToken"] = next_token(page[limit - 1]["id"])
    return response

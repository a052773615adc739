"""ListQueues (SQS): queue URLs by name, with a name prefix and pages of
MaxResults (paging.py)."""
from __future__ import annotations

from . import paging

NAME = "ListQueues"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    limit = paging.check_limit(request)
    after = paging.token_name(request.get("NextToken"))
    with engine.store.read() as txn:
        names = [record["name"] for record in
                 engine.repos.queues.all(txn, request.get("QueueNamePrefix") or "")
                 if after is None or record["name"] > after]
    return paging.page(engine, names, limit, "QueueUrls")

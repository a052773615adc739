"""ListDeadLetterSourceQueues (SQS): the queues whose RedrivePolicy names
this queue as their dead-letter queue, in pages of MaxResults (paging.py)."""
from __future__ import annotations

from . import paging, queues

NAME = "ListDeadLetterSourceQueues"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    limit = paging.check_limit(request)
    after = paging.token_name(request.get("NextToken"))
    with engine.store.read() as txn:
        target = queues.require(txn, engine, request["QueueUrl"])
        arn = queues.queue_arn(engine.config, target["name"])
        sources = [record["name"] for record in engine.repos.queues.all(txn)
                   if (queues.redrive_policy(record) or {}).get("deadLetterTargetArn") == arn
                   and (after is None or record["name"] > after)]
    return {"queueUrls": [], **paging.page(engine, sources, limit, "queueUrls")}

"""ListDeadLetterSourceQueues (SQS): the queues whose RedrivePolicy names
this queue as their dead-letter queue."""
from __future__ import annotations

from . import queues

NAME = "ListDeadLetterSourceQueues"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        target = queues.require(txn, engine, request["QueueUrl"])
        arn = queues.queue_arn(engine.config, target["name"])
        sources = [record["name"] for record in engine.repos.queues.all(txn)
                   if (queues.redrive_policy(record) or {}).get("deadLetterTargetArn") == arn]
    return {"queueUrls": [queues.queue_url(engine, name) for name in sources]}

"""ListQueueTags (SQS): a queue's tags."""
from __future__ import annotations

from . import queues

NAME = "ListQueueTags"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        record = queues.require(txn, engine, request["QueueUrl"])
    return {"Tags": record["tags"]} if record["tags"] else {}

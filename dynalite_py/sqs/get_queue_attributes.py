"""GetQueueAttributes (SQS): the attributes asked for, "All" for every one,
with the approximate message counts as of now."""
from __future__ import annotations

from . import queues

NAME = "GetQueueAttributes"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        record = queues.require(txn, engine, request["QueueUrl"])
        names = queues.wanted_attributes(request.get("AttributeNames"), record)
        attributes = queues.describe(txn, engine, record, names, engine.clock())
    return {"Attributes": attributes} if attributes else {}

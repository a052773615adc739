"""UntagQueue (SQS): remove tags from a queue by key."""
from __future__ import annotations

from . import queues

NAME = "UntagQueue"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    removed = set(request["TagKeys"])

    def untag(ctx) -> None:
        record = queues.require(ctx.txn, engine, request["QueueUrl"])
        tags = {key: value for key, value in record["tags"].items() if key not in removed}
        engine.repos.queues.put(ctx.txn, dict(record, tags=tags))

    engine.store.write(untag)
    return {}

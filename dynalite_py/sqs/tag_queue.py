"""TagQueue (SQS): add or replace a queue's tags."""
from __future__ import annotations

from . import queues

NAME = "TagQueue"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    def tag(ctx) -> None:
        record = queues.require(ctx.txn, engine, request["QueueUrl"])
        engine.repos.queues.put(ctx.txn, dict(record, tags={**record["tags"],
                                                             **request["Tags"]}))

    engine.store.write(tag)
    return {}

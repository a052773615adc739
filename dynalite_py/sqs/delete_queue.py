"""DeleteQueue (SQS): the queue and its messages, in one commit; its name
may be used again after 60 seconds (QueueDeletedRecently)."""
from __future__ import annotations

from . import queues
from .purge_queue import delete_messages

NAME = "DeleteQueue"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    now = engine.clock()

    def delete(ctx) -> None:
        record = queues.require(ctx.txn, engine, request["QueueUrl"])
        delete_messages(ctx, engine, record)
        engine.repos.queues.delete(ctx.txn, record["name"], now)

    engine.store.write(delete)
    return {}

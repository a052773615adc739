"""PurgeQueue (SQS): delete every message of a queue, once a minute at most."""
from __future__ import annotations

from . import queues
from .errors import SqsError

NAME = "PurgeQueue"
READ_ONLY = False
PURGE_INTERVAL = 60


def run(engine, request: dict) -> dict:
    now = engine.clock()

    def purge(ctx) -> None:
        record = queues.require(ctx.txn, engine, request["QueueUrl"])
        if record["purged"] is not None and now - record["purged"] < PURGE_INTERVAL:
            raise SqsError("PurgeQueueInProgress", f"Only one PurgeQueue operation on "
                           f"{record['name']} is allowed every {PURGE_INTERVAL} seconds.")
        delete_messages(ctx, engine, record)
        engine.repos.queues.put(ctx.txn, dict(record, purged=now))

    engine.store.write(purge)
    return {}


def delete_messages(ctx, engine, record: dict) -> None:
    """Every message of a queue, deleted in this transaction."""
    key = queues.message_queue(record)
    for message in list(engine.repos.messages.all(ctx.txn, key)):
        engine.repos.messages.delete(ctx.txn, key, message)

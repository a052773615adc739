"""DeleteMessage (SQS): delete a received message by its receipt handle."""
from __future__ import annotations

from . import messages, queues

NAME = "DeleteMessage"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    def delete(ctx) -> None:
        queue = queues.require(ctx.txn, engine, request["QueueUrl"])
        messages.delete_by_handle(ctx, engine, queue, request["ReceiptHandle"])

    engine.store.write(delete)
    return {}

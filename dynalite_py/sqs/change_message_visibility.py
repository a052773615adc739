"""ChangeMessageVisibility (SQS): hide a received message for a new
timeout from now, or (0) make it receivable again at once."""
from __future__ import annotations

from . import messages, queues

NAME = "ChangeMessageVisibility"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    now = engine.clock()

    def change(ctx) -> None:
        queue = queues.require(ctx.txn, engine, request["QueueUrl"])
        messages.change_visibility(ctx, engine, queue, request["ReceiptHandle"],
                                   request["VisibilityTimeout"], now)

    engine.store.write(change)
    engine.queues.notify_sent()  # a message made visible again wakes long polls
    return {}

"""SendMessage (SQS): one message, with message attributes and a delay."""
from __future__ import annotations

from . import messages, queues

NAME = "SendMessage"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    now = engine.clock()

    def send(ctx) -> dict:
        queue = queues.require(ctx.txn, engine, request["QueueUrl"])
        message = messages.new_message(request, queue, now)
        return messages.sent_response(messages.store_message(ctx, engine, queue, message, now))

    response = engine.store.write(send)
    engine.queues.notify_sent()
    return response

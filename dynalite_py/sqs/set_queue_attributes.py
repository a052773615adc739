"""SetQueueAttributes (SQS): change a queue's attributes (an empty
RedrivePolicy removes it)."""
from __future__ import annotations

from . import queues

NAME = "SetQueueAttributes"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    now = engine.clock()

    def change(ctx) -> None:
        record = queues.require(ctx.txn, engine, request["QueueUrl"])
        attributes = queues.checked_attributes(ctx.txn, engine, request["Attributes"],
                                               queues.is_fifo(record), creating=False)
        merged = {**record["attributes"], **attributes}
        engine.repos.queues.put(ctx.txn, dict(
            record, modified=now,
            attributes={key: value for key, value in merged.items() if value != ""}))

    engine.store.write(change)
    return {}

"""ChangeMessageVisibilityBatch (SQS): up to 10 visibility changes in one
commit; an entry that fails does so alone."""
from __future__ import annotations

from . import batches, messages, queues
from .errors import SqsError

NAME = "ChangeMessageVisibilityBatch"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    entries = request["Entries"]
    batches.check_entries(entries, "ChangeMessageVisibilityBatchRequestEntry")
    now = engine.clock()

    def change(ctx) -> dict:
        queue = queues.require(ctx.txn, engine, request["QueueUrl"])
        successful, failed = [], []
        for entry in entries:
            try:
                messages.change_visibility(ctx, engine, queue, entry["ReceiptHandle"],
                                           entry.get("VisibilityTimeout", 0), now)
            except SqsError as error:
                failed.append(batches.failed_entry(entry["Id"], error))
                continue
            successful.append({"Id": entry["Id"]})
        return batches.answer(successful, failed)

    response = engine.store.write(change)
    engine.queues.notify_sent()
    return response

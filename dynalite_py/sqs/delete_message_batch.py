"""DeleteMessageBatch (SQS): up to 10 deletes by receipt handle in one
commit; an invalid handle fails its entry alone."""
from __future__ import annotations

from . import batches, messages, queues
from .errors import SqsError

NAME = "DeleteMessageBatch"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    entries = request["Entries"]
    batches.check_entries(entries, "DeleteMessageBatchRequestEntry")

    def delete(ctx) -> dict:
        queue = queues.require(ctx.txn, engine, request["QueueUrl"])
        successful, failed = [], []
        for entry in entries:
            try:
                messages.delete_by_handle(ctx, engine, queue, entry["ReceiptHandle"])
            except SqsError as error:
                failed.append(batches.failed_entry(entry["Id"], error))
                continue
            successful.append({"Id": entry["Id"]})
        return batches.answer(successful, failed)

    return engine.store.write(delete)

"""SendMessageBatch (SQS): up to 10 messages in one commit; an entry that
breaks a message rule fails alone."""
from __future__ import annotations

from . import batches, messages, queues
from .errors import SqsError

NAME = "SendMessageBatch"
READ_ONLY = False
MAX_BATCH_BYTES = 1048576


def run(engine, request: dict) -> dict:
    entries = request["Entries"]
    batches.check_entries(entries, "SendMessageBatchRequestEntry")
    size = sum(len((entry.get("MessageBody") or "").encode()) for entry in entries)
    if size > MAX_BATCH_BYTES:
        raise SqsError("BatchRequestTooLong", f"Batch requests cannot be longer than "
                       f"{MAX_BATCH_BYTES} bytes. You have sent {size} bytes.")
    now = engine.clock()

    def send(ctx) -> dict:
        queue = queues.require(ctx.txn, engine, request["QueueUrl"])
        successful, failed = [], []
        for position, entry in enumerate(entries):
            try:
                message = messages.new_message(entry, queue, now, position)
            except SqsError as error:
                failed.append(batches.failed_entry(entry["Id"], error))
                continue
            stored = messages.store_message(ctx, engine, queue, message, now)
            successful.append({"Id": entry["Id"], **messages.sent_response(stored)})
        return batches.answer(successful, failed)

    response = engine.store.write(send)
    if response["Successful"]:
        engine.queues.notify_sent()
    return response

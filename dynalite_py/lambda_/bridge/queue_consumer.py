"""An SQS queue as an event source: one mapping's delivery loop, run by the
bridge under the mapping's lease like a stream's (bridge.py).

Each step receives up to BatchSize messages (hidden for the queue's
visibility timeout), waiting up to MaximumBatchingWindowInSeconds for a
full batch, and invokes the function with them as AWS's SQS event. On
success the batch is deleted; with ReportBatchItemFailures only the
messages the function did not list in batchItemFailures (an unknown
identifier fails the whole batch); on a function error none, so every
message returns once its visibility timeout ends and the queue's
RedrivePolicy moves it to the dead-letter queue after maxReceiveCount, as
AWS does. Messages the filters reject are deleted unseen. Throttles hold
the batch (it returns after its visibility timeout) and back off.
ScalingConfig is kept and described; one consumer runs a mapping.
"""
from __future__ import annotations

import base64
import time

import orjson

from ...errors import DynamoError
from ...sqs import messages, queues
from ...sqs.errors import SqsError
from .bridge import Consumer

MAX_RECEIVE = 10  # messages one receive returns at most


class QueueConsumer(Consumer):
    """One SQS mapping's delivery loop (Consumer's refresh and results)."""

    def step(self) -> bool:
        """Deliver at most one batch; True if it did."""
        received = self._collect()
        if not received:
            return False
        queue = received[0][0]
        records = [queue_event_record(self.engine, queue, message) for _, message in received]
        wanted = [record for record in records if self.matches(_filterable(record))]
        rejected = [record for record in records if record not in wanted]
        self._delete(queue, rejected)
        if not wanted:
            return True
        failed = self._invoke_batch(wanted)
        if failed is not None:
            self._delete(queue, [r for r in wanted if r["messageId"] not in failed])
        return True

    def _collect(self) -> list[tuple[dict, dict]]:
        """Up to BatchSize messages, waiting up to the batching window for more."""
        engine = self.engine
        name = queues.name_from_arn(engine.config, self.mapping["EventSourceArn"])
        with engine.store.read() as txn:
            queue = engine.repos.queues.get(txn, name) if name else None
        if queue is None:
            return []  # the queue is gone: hold, as AWS does
        limit = self.mapping["BatchSize"]
        deadline = time.monotonic() + self.mapping["MaximumBatchingWindowInSeconds"]
        collected: list[tuple[dict, dict]] = []
        while len(collected) < limit:
            try:
                batch = messages.poll(engine, queue, min(MAX_RECEIVE, limit - len(collected)),
                                      None, deadline)
            except SqsError:  # deleted meanwhile
                break
            if not batch:
                break
            collected += batch
        return collected

    def _invoke_batch(self, records: list[dict]) -> set[str] | None:
        """The message ids that failed (empty: all done), None if the whole
        batch is to be received again."""
        called = self._function()
        if called is None:
            return None
        try:
            result = self.engine.functions.invoke(called[0], {"Records": records}, called[1])
        except DynamoError:  # throttled, or its callable is in another process
            self._back_off(1)
            return None
        if not result.ok:
            self._result("PROBLEM: Function call failed")
            return None
        failed = set()
        if "ReportBatchItemFailures" in self.mapping["FunctionResponseTypes"]:
            failed = _reported(result.payload, {record["messageId"] for record in records})
            if failed is None:
                self._result("PROBLEM: Function call failed")
                return None
        self._result("OK")
        return failed

    def _delete(self, queue: dict, records: list[dict]) -> None:
        if not records:
            return

        def delete(ctx) -> None:
            for record in records:
                messages.delete_by_handle(ctx, self.engine, queue, record["receiptHandle"])
        self.engine.store.write(delete)


def _reported(payload: object, ids: set[str]) -> set[str] | None:
    """The ids a ReportBatchItemFailures answer lists (none: success); None
    (the whole batch failed) when it names a message not in the batch or is
    no such answer."""
    if payload is None:
        return set()
    failures = payload.get("batchItemFailures") or [] if isinstance(payload, dict) else None
    if not isinstance(failures, list):
        return None
    failed = {failure.get("itemIdentifier") if isinstance(failure, dict) else None
              for failure in failures}
    return failed if failed <= ids else None


def queue_event_record(engine, queue: dict, message: dict) -> dict:
    """A message as Lambda hands it to a function (AWS's SQS event record)."""
    def attribute(value: dict) -> dict:
        shown = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
        if "StringValue" in value:
            shown["stringValue"] = value["StringValue"]
        else:
            binary = value["BinaryValue"]
            shown["binaryValue"] = binary if isinstance(binary, str) else \
                base64.b64encode(binary).decode()
        return shown

    return {"messageId": message["id"],
            "receiptHandle": messages.receipt_handle(queue, message),
            "body": message["body"],
            "attributes": {"ApproximateReceiveCount": str(message["count"]),
                           "SentTimestamp": str(message["sent"] // 10**6),
                           "SenderId": engine.config.account_id,
                           "ApproximateFirstReceiveTimestamp": str(message["first"]),
                           **({"MessageGroupId": message["group"],
                               "MessageDeduplicationId": message["dedup"],
                               "SequenceNumber": message["sequence"]}
                              if message.get("group") else {})},
            "messageAttributes": {name: attribute(value)
                                  for name, value in message["attributes"].items()},
            "md5OfBody": message["md5_body"], "eventSource": "aws:sqs",
            "eventSourceARN": queues.queue_arn(engine.config, queue["name"]),
            "awsRegion": engine.config.region}


def _filterable(record: dict) -> dict:
    """What filter patterns see: the body as JSON when it is JSON (AWS)."""
    try:
        return dict(record, body=orjson.loads(record["body"]))
    except orjson.JSONDecodeError:
        return record

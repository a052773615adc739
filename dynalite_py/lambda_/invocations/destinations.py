"""Where asynchronous outcomes go: the invocation record AWS sends to an
OnSuccess or OnFailure destination, the message a function's dead-letter
queue receives, and an event source mapping's on-failure record.

A destination that is an SQS queue of this account (served here) receives
the record as a message; another Lambda function receives it as an
asynchronous event; any other (SNS, EventBridge, a queue that does not
exist) keeps it among the on-failure records (`GET /_dynalite/failures/<ARN>`).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import orjson

from ...sqs.messages import send_to_arn
from ..functions.functions import function_name_from
from . import events

log = logging.getLogger("dynalite_py.lambda")
ERROR_MESSAGE_LIMIT = 1024  # bytes of ErrorMessage a dead-letter message carries


def timestamp() -> str:
    """AWS's record timestamp: 2019-11-14T18:16:05.568Z."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def invocation_record(function_arn: str, event: dict, condition: str, result) -> dict:
    """The record of an asynchronous invocation's outcome (`result`: the
    last InvocationResult, None when the function never ran)."""
    record = {"version": "1.0", "timestamp": timestamp(),
              "requestContext": {"requestId": event["id"], "functionArn": function_arn,
                                 "condition": condition,
                                 "approximateInvokeCount": event["attempts"]},
              "requestPayload": event["event"]}
    if result is not None:
        response = {"statusCode": 200, "executedVersion": "$LATEST"}
        if result.function_error:
            response["functionError"] = result.function_error
        record.update(responseContext=response, responsePayload=result.payload)
    return record


def deliver(engine, destination: str, record: dict) -> None:
    """Send a record to a destination ARN (module docstring)."""
    if ":lambda:" in destination and ":function:" in destination:
        tail = destination.split(":function:", 1)[1]
        events.enqueue(engine, function_name_from(destination), record,
                       tail.partition(":")[2] or None)
    elif not to_queue(engine, destination, record):
        keep(engine, destination, record)


def to_queue(engine, destination: str, record: dict) -> bool:
    """Send a record to an SQS queue served here; False if it is none."""
    return ":sqs:" in destination and send_to_arn(engine, destination, orjson.dumps(record)
                                                  .decode())


def keep(engine, destination: str, record: dict) -> None:
    failures = engine.repos.failures
    engine.store.write(lambda ctx: failures.add(ctx.txn, destination, record))
    callback = engine.failure_callbacks.get(destination)
    if callback is not None:
        callback(record)


def dead_letter(engine, target: str, event: dict, result) -> None:
    """A failed event to its function's dead-letter queue: the event as the
    body, with the request id and the error as message attributes."""
    error = result.payload if result is not None else {"errorMessage": "Event age exceeded"}
    message = (error.get("errorMessage") if isinstance(error, dict) else None) or str(error)
    attributes = {"RequestID": {"DataType": "String", "StringValue": event["id"]},
                  "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                  "ErrorMessage": {"DataType": "String",
                                   "StringValue": message.encode()[:ERROR_MESSAGE_LIMIT]
                                   .decode(errors="ignore") or "error"}}
    body = orjson.dumps(event["event"]).decode()
    if not (":sqs:" in target and send_to_arn(engine, target, body, attributes)):
        log.warning("dead-letter queue %s does not exist here; event %s kept as a failure "
                    "record", target, event["id"])
        keep(engine, target, {"requestPayload": event["event"], "requestId": event["id"],
                              "errorMessage": message})

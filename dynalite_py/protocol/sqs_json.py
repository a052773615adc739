"""The SQS JSON 1.0 codec (X-Amz-Target `AmazonSQS.<Operation>`), shared by
the HTTP server and embedded clients: botocore's SQS model speaks JSON, and
SQS answers errors with the model's shape name as `__type` and the code the
query protocol used in `x-amzn-query-error` ("code;Sender"), which botocore
reports as the error's Code.

The older query protocol (form-encoded `Action=...`, XML answers, what
botocore spoke before 1.31) is not served: its requests get DynamoDB's
answer to a content type it does not take.
"""
from __future__ import annotations

import logging

import orjson

from ..errors import DynamoError
from ..sqs.errors import SqsError
from ..sqs.queues import REQUEST_ENDPOINT
from . import wire

log = logging.getLogger("dynalite_py")
TARGET_PREFIX = "AmazonSQS."
SERVICE = "sqs"


def is_sqs_target(target: str | None) -> bool:
    return target is not None and target.startswith(TARGET_PREFIX)


def handle(engine, target: str, body: bytes, endpoint: str,
           refusal: DynamoError | None = None) -> tuple[int, dict[str, str], bytes]:
    """(HTTP status, headers, body) answering one SQS call sent to
    `endpoint` (scheme://host:port, the base of the queue URLs it answers)."""
    token = REQUEST_ENDPOINT.set(endpoint)
    try:
        operation = target[len(TARGET_PREFIX):]
        request = wire.decode_body(body)
        if refusal is not None:
            engine.check_operation(operation, SERVICE)
            raise refusal
        payload = orjson.dumps(engine.call(operation, request, SERVICE))
        return 200, wire.response_headers(payload), payload
    except Exception as error:
        return _failure(error, target)
    finally:
        REQUEST_ENDPOINT.reset(token)


def _failure(error: Exception, target: str) -> tuple[int, dict[str, str], bytes]:
    if not isinstance(error, DynamoError):  # a bug of ours: never a traceback
        log.error("internal error handling %s", target, exc_info=error)
    status, payload = wire.failure(error)
    headers = wire.response_headers(payload)
    if isinstance(error, SqsError):
        headers["x-amzn-query-error"] = f"{error.query_code};Sender"
    return status, headers, payload

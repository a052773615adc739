"""The DynamoDB JSON 1.0 wire codec, shared by the HTTP server and embedded
boto3 clients so both answer byte for byte alike.

`handle(engine, target, body)` takes the X-Amz-Target header and the raw
request body and returns (HTTP status, headers, response body); `answer`
returns (status, body) for a caller that writes its own headers, and
`answer_together` does that for several single-item writes under one commit. No HTTP
framework is involved: the server adds transport concerns (authentication
header, body limit, CORS) around it.
"""
from __future__ import annotations

import itertools
import logging
import os
import zlib

import orjson

from .errors import DynamoError, serialization_error, unknown_operation

log = logging.getLogger("dynalite_py")

SERVICE_PREFIXES = {"DynamoDB_20120810": "dynamodb", "DynamoDBStreams_20120810": "dynamodbstreams"}
CONTENT_TYPE = "application/x-amz-json-1.0"


def parse_target(target: str | None) -> tuple[str, str]:
    """(service, operation) named by an X-Amz-Target header, or UnknownOperationException."""
    prefix, _, operation = (target or "").partition(".")
    if prefix not in SERVICE_PREFIXES or not operation:
        raise unknown_operation()
    return SERVICE_PREFIXES[prefix], operation


def decode_body(body: bytes) -> object:
    try:
        return orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        raise serialization_error(None) from None


def handle(engine, target: str | None, body: bytes, refusal: DynamoError | None = None
           ) -> tuple[int, dict[str, str], bytes]:
    status, payload = answer(engine, target, body, refusal)
    return status, response_headers(payload), payload


def answer(engine, target: str | None, body: bytes, refusal: DynamoError | None = None
           ) -> tuple[int, bytes]:
    """(HTTP status, body) answering one call, without the headers (the fast
    lane writes those itself). `refusal` is the caller's verdict on the
    request's signature: DynamoDB reports it after routing and parsing the
    call, before anything else."""
    try:
        result = engine.call(*checked_call(engine, target, body, refusal))
    except Exception as error:
        result = error
    return encoded(result, target)


def answer_together(engine, calls: list[tuple[str | None, bytes, DynamoError | None]]
                    ) -> list[tuple[int, bytes]]:
    """`answer` for each of several single-item writes (X-Amz-Target, body,
    refusal), run with one commit (Engine.call_together)."""
    parsed: list = []
    for target, body, refusal in calls:
        try:
            parsed.append(checked_call(engine, target, body, refusal))
        except Exception as error:
            parsed.append(error)
    results = engine.call_together(parsed)
    return [encoded(result, call[0]) for result, call in zip(results, calls)]


def parse_call(target: str | None, body: bytes) -> tuple[str, object, str]:
    """(operation, request, service): Engine.call's arguments."""
    service, operation = parse_target(target)
    return operation, decode_body(body), service


def checked_call(engine, target: str | None, body: bytes, refusal: DynamoError | None
                 ) -> tuple[str, object, str]:
    """parse_call's answer, or the error DynamoDB reports first: an unknown
    operation, a body that is no JSON, then the refusal of its signature."""
    call = parse_call(target, body)
    if refusal is not None:
        engine.check_operation(call[0], call[2])
        raise refusal
    return call


def encoded(result: dict | Exception, target: str | None) -> tuple[int, bytes]:
    """(HTTP status, body) of a response, or of the error raised instead."""
    if not isinstance(result, Exception):
        try:
            return 200, orjson.dumps(result)
        except Exception as error:
            result = error
    if not isinstance(result, DynamoError):  # a bug of ours: never a traceback
        log.error("internal error handling %s", target, exc_info=result)
    return failure(result)


def failure(error: Exception) -> tuple[int, bytes]:
    """(HTTP status, body) reporting `error`: a DynamoError as itself,
    anything else as DynamoDB's internal error."""
    if isinstance(error, DynamoError):
        return error.status, orjson.dumps(error.to_wire())
    return 500, orjson.dumps({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
                              "message": "Internal server error"})


# the headers DynamoDB sends with every answer: content type, request id, CRC32 of the body
ANSWER_HEADERS = ("Content-Type", "x-amzn-RequestId", "x-amz-crc32")


def response_headers(payload: bytes) -> dict[str, str]:
    return dict(zip(ANSWER_HEADERS, (CONTENT_TYPE, request_id(), str(zlib.crc32(payload)))))


_ID_PREFIX = os.urandom(16).hex().upper()  # per process, so ids never repeat across processes
_ID_COUNTER = itertools.count()


def request_id() -> str:
    """A request id in DynamoDB's form: 52 upper-case alphanumerics (one
    random prefix per process and a counter: uuid4 per request cost ~8% of
    a GetItem over HTTP)."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):020X}"

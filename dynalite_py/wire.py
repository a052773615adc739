"""The DynamoDB JSON 1.0 wire codec, shared by the HTTP server and embedded
boto3 clients so both answer byte for byte alike.

`handle(engine, target, body)` takes the X-Amz-Target header and the raw
request body and returns (HTTP status, headers, response body). No HTTP
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


def handle(engine, target: str | None, body: bytes) -> tuple[int, dict[str, str], bytes]:
    try:
        service, operation = parse_target(target)
        request = decode_body(body)
        response = engine.call(operation, request, service)
        status, payload = 200, orjson.dumps(response)
    except Exception as error:
        if not isinstance(error, DynamoError):  # a bug of ours: never a traceback
            log.exception("internal error handling %s", target)
        status, payload = failure(error)
    return status, response_headers(payload), payload


def failure(error: Exception) -> tuple[int, bytes]:
    """(HTTP status, body) reporting `error`: a DynamoError as itself,
    anything else as DynamoDB's internal error."""
    if isinstance(error, DynamoError):
        return error.status, orjson.dumps(error.to_wire())
    return 500, orjson.dumps({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
                              "message": "Internal server error"})


def response_headers(payload: bytes) -> dict[str, str]:
    return {"Content-Type": CONTENT_TYPE,
            "x-amzn-RequestId": request_id(),
            "x-amz-crc32": str(zlib.crc32(payload))}


_ID_PREFIX = os.urandom(16).hex().upper()  # per process, so ids never repeat across processes
_ID_COUNTER = itertools.count()


def request_id() -> str:
    """A request id in DynamoDB's form: 52 upper-case alphanumerics (one
    random prefix per process and a counter: uuid4 per request cost ~8% of
    a GetItem over HTTP)."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):020X}"

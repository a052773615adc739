"""Invoke (Lambda): RequestResponse runs the handler now; Event stores it in
the function's event queue (lambda_/invocations/events.py: retries,
destinations); DryRun only checks that the function exists."""
from __future__ import annotations

import base64

import orjson

from ..invocations import events
from .functions import function_name_from, lambda_error

NAME = "Invoke"
READ_ONLY = False  # an Event invocation stores its event
LOG_TAIL_BYTES = 4096


def run(engine, request: dict) -> dict:
    functions = engine.functions
    with engine.store.read() as txn:
        record = functions.require(txn, request["FunctionName"])
    invocation_type = request.get("InvocationType") or "RequestResponse"
    if invocation_type == "DryRun":
        return {"StatusCode": 204}
    event = parse_payload(request.get("Payload") or b"")
    qualifier = request.get("Qualifier") or _qualifier(request["FunctionName"])
    if invocation_type == "Event":
        events.enqueue(engine, record["FunctionName"], event, qualifier)
        return {"StatusCode": 202}
    result = functions.invoke(record, event, qualifier)
    response = {"StatusCode": 200, "ExecutedVersion": "$LATEST",
                "Payload": orjson.dumps(result.payload)}
    if result.function_error:
        response["FunctionError"] = result.function_error
    if request.get("LogType") == "Tail":
        tail = result.logs.encode()[-LOG_TAIL_BYTES:]
        response["LogResult"] = base64.b64encode(tail).decode()
    return response


def parse_payload(payload: bytes) -> object:
    if not payload:
        return {}
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise lambda_error("InvalidRequestContentException",
                           f"Could not parse request body into json: {error}") from None


def _qualifier(name: str) -> str | None:
    bare = function_name_from(name)
    rest = name.rsplit(bare, 1)[-1]
    return rest[1:] if rest.startswith(":") else None

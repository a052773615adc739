"""Invoke (Lambda): RequestResponse runs the handler now; Event stores it in
the function's event queue (lambda_/invocations/events.py: retries,
destinations); DryRun only checks that the function exists. A qualifier
(version, alias, $LATEST) picks what runs; an alias with weighted routing
picks per call."""
from __future__ import annotations

import orjson

from ..invocations import events
from .functions import lambda_error
from .logs import log_result
from .qualifiers import function_ref, resolve

NAME = "Invoke"
READ_ONLY = False  # an Event invocation stores its event


def run(engine, request: dict) -> dict:
    functions = engine.functions
    ref = function_ref(request["FunctionName"], request.get("Qualifier"))
    with engine.store.read() as txn:
        target = resolve(functions, txn, ref, route=True)
    invocation_type = request.get("InvocationType") or "RequestResponse"
    if invocation_type == "DryRun":
        return {"StatusCode": 204}
    event = parse_payload(request.get("Payload") or b"")
    if invocation_type == "Event":  # an alias routes when the event runs
        events.enqueue(engine, target.record["FunctionName"], event, ref.qualifier)
        return {"StatusCode": 202}
    result = functions.invoke(target.record, event, ref.qualifier)
    response = {"StatusCode": 200, "ExecutedVersion": target.version,
                "Payload": orjson.dumps(result.payload)}
    if result.function_error:
        response["FunctionError"] = result.function_error
    if request.get("LogType") == "Tail":
        response["LogResult"] = log_result(result, target.version,
                                           target.record["MemorySize"])
    return response


def parse_payload(payload: bytes) -> object:
    if not payload:
        return {}
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise lambda_error("InvalidRequestContentException",
                           f"Could not parse request body into json: {error}") from None

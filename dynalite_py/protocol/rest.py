"""The Lambda REST-JSON codec, derived from botocore's Lambda model.

Routes (method + URI template), where each request member travels (URI,
query string, header, JSON body, raw payload) and how responses go back
(status code member, header members, raw payload or JSON body) are all read
from the model once, so `boto3.client("lambda")` works unchanged against
the same endpoint. Shared by the HTTP server and embedded clients.
"""
from __future__ import annotations

import logging
import re
from functools import cache
from urllib.parse import parse_qsl, unquote

import orjson

from ..errors import DynamoError
from .service_models import service_model

log = logging.getLogger("dynalite_py")
SERVICE = "lambda"
ERROR_STATUS = {"ResourceNotFoundException": 404, "ResourceConflictException": 409,
                "TooManyRequestsException": 429, "ServiceException": 500}


@cache
def _routes(operations: frozenset[str]) -> list[tuple[str, re.Pattern, str]]:
    """(method, path pattern, operation) from each operation's URI template."""
    routes = []
    for name in operations:
        http = service_model(SERVICE)["operations"][name]["http"]
        parts = re.split(r"\{(\w+)\+?\}", http["requestUri"].split("?")[0].rstrip("/"))
        pattern = "".join(re.escape(part) if position % 2 == 0 else f"(?P<{part}>[^/]+)"
                          for position, part in enumerate(parts))
        routes.append((http["method"], re.compile(f"^{pattern}/?$"), name))
    return routes


def is_lambda_path(path: str) -> bool:
    return path.startswith(("/2015-03-31/", "/2017-10-31/", "/2019-09-25/"))


def route(operations: frozenset[str], method: str, path: str) -> tuple[str, dict]:
    for route_method, pattern, name in _routes(operations):
        match = pattern.match(path.rstrip("/") or "/")
        if match and route_method == method:
            return name, {key: unquote(value) for key, value in match.groupdict().items()}
    raise DynamoError("UnknownOperationException", f"No Lambda operation at {method} {path}",
                      status=404)


def decode_request(operation: str, uri: dict, query: str, headers: dict[str, str],
                   body: bytes) -> dict:
    """A request dict keyed by model member names."""
    shape = _input_shape(operation)
    request: dict = {}
    payload_member = shape.get("payload") if shape else None
    if payload_member:
        request[payload_member] = body
    elif body:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise DynamoError("InvalidRequestContentException",
                              "Could not parse request body into json") from None
        if isinstance(parsed, dict):
            request.update(parsed)
    query_values = dict(parse_qsl(query, keep_blank_values=True))
    lower_headers = {key.lower(): value for key, value in headers.items()}
    for name, member in (shape or {}).get("members", {}).items():
        location = member.get("location")
        source_name = member.get("locationName", name)
        if location == "uri" and source_name in uri:
            request[name] = uri[source_name]
        elif location == "querystring" and source_name in query_values:
            request[name] = _typed(query_values[source_name], member)
        elif location == "header" and source_name.lower() in lower_headers:
            request[name] = lower_headers[source_name.lower()]
    return request


def encode_response(operation: str, response: dict) -> tuple[int, dict[str, str], bytes]:
    model = service_model(SERVICE)
    operation_model = model["operations"][operation]
    status = operation_model["http"].get("responseCode", 200)
    output_name = operation_model.get("output", {}).get("shape")
    shape = model["shapes"][output_name] if output_name else {"members": {}}
    headers = {"Content-Type": "application/json"}
    body_fields = {}
    for name, value in response.items():
        member = shape["members"].get(name, {})
        location = member.get("location")
        if location == "statusCode":
            status = value
        elif location == "header":
            headers[member["locationName"]] = str(value)
        elif name != shape.get("payload"):
            body_fields[name] = value
    if status in (202, 204) and not body_fields and not response.get(shape.get("payload") or ""):
        return status, headers, b""  # no content, as Lambda answers DryRun and deletes
    if shape.get("payload"):
        body = response.get(shape["payload"]) or b""
    else:
        body = orjson.dumps(body_fields) if body_fields or output_name else b""
    return status, headers, body


def encode_error(error: DynamoError) -> tuple[int, dict[str, str], bytes]:
    status = ERROR_STATUS.get(error.name, error.status)
    kind = "Service" if status >= 500 else "User"
    body = orjson.dumps({"Type": kind, "message": error.message, **error.extra})
    return status, {"Content-Type": "application/json", "x-amzn-ErrorType": error.name}, body


def handle(engine, method: str, path: str, query: str, headers: dict[str, str],
           body: bytes) -> tuple[int, dict[str, str], bytes]:
    """Serve one Lambda REST request: route, decode, call the engine, encode."""
    try:
        operation, uri = route(engine.lambda_operations(), method, path)
        request = decode_request(operation, uri, query, headers, body)
        return encode_response(operation, engine.call(operation, request, SERVICE))
    except DynamoError as error:
        return encode_error(error)
    except Exception:  # a bug of ours: Lambda's ServiceException envelope, never a traceback
        log.error("internal error handling %s %s", method, path, exc_info=True)
        return encode_error(DynamoError("ServiceException", "Internal server error", 500))


def _input_shape(operation: str) -> dict | None:
    model = service_model(SERVICE)
    name = model["operations"][operation].get("input", {}).get("shape")
    return model["shapes"][name] if name else None


def _typed(value: str, member: dict):
    kind = service_model(SERVICE)["shapes"][member["shape"]]["type"]
    if kind in ("integer", "long"):
        try:
            return int(value)
        except ValueError:
            return value
    if kind == "boolean":
        return value.lower() == "true"
    return value

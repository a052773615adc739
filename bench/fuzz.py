"""Structured fuzzing of a real server: every operation of DynamoDB, DynamoDB
Streams and Lambda, built from botocore's models, then mutated; plus raw
HTTP mutations over a socket.

    python -m bench.fuzz [--requests 5000] [--seed 1] [--url URL] [--raw 0.15]
                         [--workers 1] [--out failures.json]

Without --url it starts `python -m server.cli serve` on a free port and a
fresh data directory (one worker process, so the RSS read is the whole
server). Each request is one of:

- a structured call: a valid-looking request generated from the
  operation's input shape (table names, keys, expressions and their
  placeholders consistent with the canary data), then, most of the time,
  one to three mutations (nulls, wrong JSON types, huge, negative and
  fractional numbers, empty and huge strings, deep nesting, unknown
  members, bad enums, bad base64, removed members). Operations the engine
  does not serve are sent too: they must answer UnknownOperationException.
- a raw HTTP mutation of a valid call, sent over its own socket: odd,
  duplicate and missing headers, wrong Content-Type, chunked bodies (good
  and bad), truncated bodies, invalid UTF-8, oversized declared lengths,
  odd request lines, pipelining. When the connection stays open a valid
  call follows on it, which must be answered.

A failure is a status >= 500 (but 503 at the connection cap), a reset or
dropped connection on a complete request, a body that is not AWS's error
envelope (DynamoDB: JSON with "__type" "...#Name" and a string message if
any; Lambda: JSON with "Type" and "message" and an x-amzn-ErrorType
header; DynamoDB's bare <UnknownOperationException/> XML for a wrong
content type or path), or a traceback in the body. Canary data (a table
with DeletionProtectionEnabled and one item, only ever read by the
fuzzer) must be intact afterwards. The server's RSS is read from
/proc/PID/status before and after.

`Fuzzer` holds the generator and the checks, so tests/test_fuzz_shapes.py
runs the same thing on a bounded sample.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dynalite_py.api import OPERATIONS  # noqa: E402
from dynalite_py.service_models import service_model  # noqa: E402

TARGET_PREFIXES = {"dynamodb": "DynamoDB_20120810", "dynamodbstreams": "DynamoDBStreams_20120810"}
CANARY_TABLE = "fuzz-canary"
CANARY_ITEM = {"pk": {"S": "canary"}, "v": {"N": "7"}, "tags": {"SS": ["a", "b"]}}
ITEMS_TABLE = "fuzz-items"
FUNCTION = "fuzz-fn"
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
# the only operations that may name the canary table: those that never write
READ_ONLY_OPERATIONS = frozenset(name for service in ("dynamodb", "dynamodbstreams")
                                 for name, module in OPERATIONS[service].items()
                                 if module.READ_ONLY)
HUGE_NUMBERS = [2 ** 64, 2 ** 63, -2 ** 63 - 1, 2 ** 31, -2 ** 31 - 1, 10 ** 30, -1, 0,
                1e308, -1e308, 1.5, 0.5, -2.5, 1e-300]
ODD_STRINGS = ["", " ", "\x00", "\ud800", "\U0001F600" * 3, "a" * 300, "#", ":", "!!",
               "arn:aws:dynamodb:us-east-1:000000000000:table/x", "../..", "%00", "\n",
               "null", "true", "1e999", "-0", "NaN"]
OK_STATUSES_5XX = frozenset((503,))  # the documented connection-cap answer
# bodies only the HTTP layer writes (uvicorn's parser errors, Starlette's router)
SERVER_ANSWERS = frozenset((b"Invalid HTTP request received.", b"Not Found",
                            b"Request Header Fields Too Large"))
# 4xx answers of the HTTP layer that are not AWS's envelope, reported to the
# server's owners (see the fuzz report); tests/test_fuzz_shapes.py tolerates
# only these, and only as 4xx
KNOWN_SERVER_FINDINGS = {
    "parser error as plain text": b"Invalid HTTP request received.",
    "header-size 431 as plain text": b"Request Header Fields Too Large",
}


# --- values from the models ---------------------------------------------------------------

@dataclass
class Context:
    """What the server holds, so generated requests can name real things."""
    stream_arns: list[str] = field(default_factory=list)
    shard_ids: list[str] = field(default_factory=list)
    iterators: list[str] = field(default_factory=list)
    sequence_numbers: list[str] = field(default_factory=list)
    mapping_ids: list[str] = field(default_factory=list)
    function_arns: list[str] = field(default_factory=list)
    created: int = 0


class Generator:
    """Valid-looking requests from botocore's input shapes, and mutations."""

    def __init__(self, rng: random.Random, context: Context) -> None:
        self.rng = rng
        self.context = context
        self.models = {service: service_model(service)
                       for service in ("dynamodb", "dynamodbstreams", "lambda")}

    # requests

    def request(self, service: str, operation: str) -> dict:
        model = self.models[service]
        input_ref = model["operations"][operation].get("input")
        if input_ref is None:
            return {}
        self.table = self._table_for(operation)
        request = self._structure(model, input_ref["shape"], operation, depth=0)
        self._placeholders(request)
        return request

    def _table_for(self, operation: str) -> str:
        rng = self.rng
        if operation == "CreateTable":
            self.context.created += 1
            return f"fuzz-new-{self.context.created}"
        if operation in READ_ONLY_OPERATIONS:  # the canary is only ever read
            return rng.choice([ITEMS_TABLE, ITEMS_TABLE, CANARY_TABLE, "fuzz-missing"])
        return rng.choice([ITEMS_TABLE, ITEMS_TABLE, "fuzz-missing"])

    def _structure(self, model: dict, shape_name: str, operation: str, depth: int) -> dict:
        shape = model["shapes"][shape_name]
        required = set(shape.get("required", ()))
        result = {}
        for name, ref in shape["members"].items():
            if name not in required and (depth > 3 or self.rng.random() > 0.35):
                continue
            special = self._special(name, ref["shape"], operation)
            result[name] = special if special is not _NONE else self._value(
                model, ref["shape"], name, operation, depth + 1)
        return result

    def _special(self, name: str, shape_name: str, operation: str):
        """Values the models cannot make realistic (names of real things, keys,
        expressions); _NONE for the others."""
        rng, context = self.rng, self.context
        if shape_name == "AttributeValue":
            return self.attribute_value(0)
        if name in ("TableName", "GlobalTableName", "SourceTableArn") or shape_name == "TableArn":
            return self.table
        if name in ("Key", "ExclusiveStartKey", "Item"):
            return self.item(self.table, extra=name == "Item")
        if name == "KeyConditionExpression":
            return rng.choice(["pk = :pk", "pk = :pk AND sk > :v", "#n = :pk",
                               "pk = :pk AND begins_with(sk, :v)"])
        if name == "ConditionExpression":
            return rng.choice(["attribute_exists(pk)", "attribute_not_exists(#n)",
                               "#n = :v", "size(#n) > :v OR contains(#n, :v)"])
        if name == "FilterExpression":
            return rng.choice(["#n = :v", "attribute_type(#n, :v)", "NOT #n IN (:v, :v)"])
        if name == "UpdateExpression":
            return rng.choice(["SET #n = :v", "SET #n = if_not_exists(#n, :v) REMOVE other",
                               "ADD #n :v", "SET #n = list_append(#n, :v)", "DELETE #n :v"])
        if name == "ProjectionExpression":
            return rng.choice(["pk", "pk, #n", "#n.a[0]", "v"])
        if name in ("StreamArn", "EventSourceArn") and context.stream_arns:
            return rng.choice(context.stream_arns + ["arn:aws:dynamodb:us-east-1:0:table/x/stream/y"])
        if name == "ShardId" and context.shard_ids:
            return rng.choice(context.shard_ids)
        if name == "ShardIterator" and context.iterators:
            return rng.choice(context.iterators)
        if name in ("SequenceNumber", "ExclusiveStartSequenceNumber") and context.sequence_numbers:
            return rng.choice(context.sequence_numbers)
        if name == "UUID" and context.mapping_ids:
            return rng.choice(context.mapping_ids + ["00000000-0000-0000-0000-000000000000"])
        if name == "FunctionName":
            return rng.choice([FUNCTION, FUNCTION, "fuzz-missing-fn"] + context.function_arns)
        if name == "ZipFile":
            return zipped_code() if rng.random() < 0.7 else base64.b64encode(b"not a zip").decode()
        if name == "Runtime":
            return rng.choice(["python3.12", "python3.11", "nodejs20.x"])
        if name == "Handler":
            return "lambda_function.handler"
        if name == "Role":
            return "arn:aws:iam::000000000000:role/fuzz"
        if name == "IndexName":
            return rng.choice(["gsi", "missing-index"])
        if name == "RequestItems":
            return self._request_items(operation)
        return _NONE

    def _request_items(self, operation: str) -> dict:
        table = self.rng.choice([ITEMS_TABLE, CANARY_TABLE]) \
            if operation in READ_ONLY_OPERATIONS else ITEMS_TABLE
        if operation == "BatchGetItem":
            return {table: {"Keys": [self.item(table) for _ in range(self.rng.randint(1, 3))]}}
        writes = []
        for _ in range(self.rng.randint(1, 3)):
            if self.rng.random() < 0.6:
                writes.append({"PutRequest": {"Item": self.item(table, extra=True)}})
            else:
                writes.append({"DeleteRequest": {"Key": self.item(table)}})
        return {table: writes}

    def item(self, table: str, extra: bool = False) -> dict:
        rng = self.rng
        if table == CANARY_TABLE:
            return {"pk": {"S": "canary"}}
        item = {"pk": {"S": f"p{rng.randint(0, 20)}"}, "sk": {"N": str(rng.randint(0, 9))}}
        if extra:
            for index in range(rng.randint(0, 3)):
                item[f"a{index}"] = self.attribute_value(0)
        return item

    def attribute_value(self, depth: int) -> dict:
        rng = self.rng
        kind = rng.choice(["S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"]
                          if depth < 3 else ["S", "N", "BOOL"])
        if kind == "S":
            return {"S": rng.choice(["x", "", "hello", "\u00e9t\u00e9"])}
        if kind == "N":
            return {"N": rng.choice(["1", "-2.5", "1E+10", "0", "99999999999999999999"])}
        if kind == "B":
            return {"B": base64.b64encode(rng.randbytes(rng.randint(0, 8))).decode()}
        if kind == "BOOL":
            return {"BOOL": rng.random() < 0.5}
        if kind == "NULL":
            return {"NULL": True}
        if kind == "SS":
            return {"SS": ["a", "b"][:rng.randint(1, 2)]}
        if kind == "NS":
            return {"NS": ["1", "2"][:rng.randint(1, 2)]}
        if kind == "BS":
            return {"BS": ["YQ==", "Yg=="][:rng.randint(1, 2)]}
        if kind == "L":
            return {"L": [self.attribute_value(depth + 1) for _ in range(rng.randint(0, 2))]}
        return {"M": {f"m{i}": self.attribute_value(depth + 1) for i in range(rng.randint(0, 2))}}

    def _value(self, model: dict, shape_name: str, member: str, operation: str, depth: int):
        rng = self.rng
        shape = model["shapes"][shape_name]
        kind = shape["type"]
        if kind == "structure":
            return self._structure(model, shape_name, operation, depth)
        if kind == "list":
            low = max(1, shape.get("min", 0))
            count = rng.randint(low, max(low, 2)) if depth <= 4 else low
            element = shape["member"]["shape"]
            return [self._element(model, element, member, operation, depth) for _ in range(count)]
        if kind == "map":
            value_shape = shape["value"]["shape"]
            return {self._map_key(member, index): self._element(model, value_shape, member,
                                                                operation, depth)
                    for index in range(rng.randint(1, 2))}
        if kind == "string":
            if "enum" in shape:
                return rng.choice(shape["enum"])
            low, high = shape.get("min", 1), min(shape.get("max", 12), 12)
            return "".join(rng.choice("abcdefghij") for _ in range(max(low, min(high, 6))))
        if kind in ("integer", "long"):
            low = int(shape.get("min", 0))
            return rng.randint(low, int(max(low, min(shape.get("max", 100), low + 100))))
        if kind in ("double", "float"):
            low = shape.get("min", 0)
            return rng.uniform(low, max(low, min(shape.get("max", 100), 100)))
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "timestamp":
            return int(time.time()) - rng.randint(0, 100)
        if kind == "blob":
            return base64.b64encode(rng.randbytes(6)).decode()
        return None

    def _element(self, model: dict, shape_name: str, member: str, operation: str, depth: int):
        if shape_name == "AttributeValue":
            return self.attribute_value(0)
        if member in ("Keys",):
            return self.item(self.table)
        return self._value(model, shape_name, member, operation, depth + 1)

    def _map_key(self, member: str, index: int) -> str:
        if member == "ExpressionAttributeNames":
            return "#n" if index == 0 else "#m"
        if member == "ExpressionAttributeValues":
            return ":v" if index == 0 else ":w"
        if member in ("Expected", "AttributeUpdates", "QueryFilter", "ScanFilter"):
            return "v" if index == 0 else "other"
        if member == "KeyConditions":
            return "pk" if index == 0 else "sk"
        return f"k{index}"

    def _placeholders(self, value) -> None:
        """Give each structure that uses #names and :values exactly those."""
        if isinstance(value, list):
            for element in value:
                self._placeholders(element)
            return
        if not isinstance(value, dict):
            return
        texts = " ".join(text for name, text in value.items()
                         if name.endswith("Expression") and isinstance(text, str))
        if texts:
            names = sorted(set(re.findall(r"#\w+", texts)))
            values = sorted(set(re.findall(r":\w+", texts)))
            if names:
                value["ExpressionAttributeNames"] = {name: "v" for name in names}
            else:
                value.pop("ExpressionAttributeNames", None)
            if values:
                value["ExpressionAttributeValues"] = {
                    name: ({"S": f"p{self.rng.randint(0, 20)}"} if name == ":pk"
                           else self.attribute_value(1)) for name in values}
            else:
                value.pop("ExpressionAttributeValues", None)
        for element in value.values():
            if isinstance(element, (dict, list)):
                self._placeholders(element)

    # mutations

    def mutate(self, request: dict) -> tuple[object, list[str]]:
        """The request with one to three mutations, and their names."""
        applied = []
        for _ in range(self.rng.choice((1, 1, 2, 3))):
            request, name = self._mutate_once(request)
            applied.append(name)
        return request, applied

    def _mutate_once(self, request: object) -> tuple[object, str]:
        rng = self.rng
        paths = list(_paths(request))
        if rng.random() < 0.04:
            return rng.choice([None, 1, "x", [], [request], True, 1.5]), "top-level"
        if not paths or rng.random() < 0.08:
            if isinstance(request, dict):
                request[rng.choice(["Zz", "tablename", "", "TableName "])] = rng.choice([1, "x", None])
            return request, "unknown-member"
        path = rng.choice(paths)
        parent, key = _locate(request, path)
        current = parent[key]
        choice = rng.random()
        if choice < 0.22:
            new, name = None, "null"
        elif choice < 0.30:
            if isinstance(parent, dict):
                del parent[key]
            else:
                parent.pop(key)
            return request, "remove"
        elif choice < 0.46:
            new, name = rng.choice([1, -7, 1.5, True, "s", [], {}, [1, "a"], {"S": "x"}]), \
                "wrong-type"
        elif choice < 0.58:
            new, name = rng.choice(HUGE_NUMBERS), "number"
        elif choice < 0.70:
            new, name = rng.choice(ODD_STRINGS + ["x" * rng.choice((1025, 70_000))]), "string"
        elif choice < 0.76:
            new, name = _nested(rng.choice((33, 100, 3000)), rng.random() < 0.5), "deep"
        elif choice < 0.82:
            new, name = rng.choice(["NOPE", "all_new", "HASH ", "S"]), "enum"
        elif choice < 0.87:
            new, name = rng.choice(["!!!!", "abc", "YQ=", "Y===", "\u00e9\u00e9\u00e9\u00e9"]), \
                "base64"
        elif choice < 0.93:
            new, name = rng.choice([{"S": "a", "N": "1"}, {}, {"SS": []}, {"N": "1e999"},
                                    {"N": "abc"}, {"NULL": False}, {"L": [None]},
                                    {"M": {"a": None}}, {"SS": ["a", "a"]}, {"BS": [None]},
                                    {"NS": [None, "1"]}, {"SS": [None]}]), "attribute-value"
        else:
            new, name = ({} if isinstance(current, dict) else [] if isinstance(current, list)
                         else ""), "empty"
        parent[key] = new
        return request, name


class _Missing:
    pass


_NONE = _Missing()


def _paths(value, prefix=(), depth=0):
    if depth > 8:
        return
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return
    for key, child in items[:12]:
        path = prefix + (key,)
        yield path
        yield from _paths(child, path, depth + 1)


def _locate(value, path):
    for key in path[:-1]:
        value = value[key]
    return value, path[-1]


def _nested(depth: int, attribute: bool) -> str:
    """A placeholder encode_json replaces with `depth` levels of nesting (too
    deep for json.dumps to write)."""
    return f"@@deep:{depth}:{int(attribute)}@@"


_DEEP = re.compile(r'"@@deep:(\d+):([01])@@"')


def _deep_text(match: re.Match) -> str:
    depth, attribute = int(match.group(1)), match.group(2) == "1"
    if attribute:
        return '{"L": [' * depth + '{"S": "leaf"}' + "]}" * depth
    return "[" * depth + "1" + "]" * depth


def zipped_code() -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", HANDLER)
    return base64.b64encode(buffer.getvalue()).decode()


def encode_json(value) -> bytes:
    """JSON as a client might send it: any integer size, Infinity for huge
    floats, lone surrogates escaped."""
    text = json.dumps(value, allow_nan=True)
    if "@@deep:" in text:
        text = _DEEP.sub(_deep_text, text)
    return text.encode()


# --- HTTP ------------------------------------------------------------------------------------

@dataclass
class Case:
    """One request to send, and what kind of answer it must get."""
    kind: str              # "dynamodb", "lambda" or "raw"
    operation: str
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes
    mutations: list[str]
    served: bool = True
    raw: bytes | None = None      # raw mutations: the bytes to write
    complete: bool = True         # raw mutations: a whole request was written
    service: str = "dynamodb"

    def reproducer(self) -> str:
        if self.raw is not None:
            return f"raw bytes: {self.raw[:600]!r}"
        headers = " ".join(f"-H {shell_quote(f'{k}: {v}')}" for k, v in self.headers
                           if k.lower() not in ("host", "content-length"))
        body = self.body[:2000].decode("utf-8", "backslashreplace")
        return (f"curl -sS -X {self.method} {headers} --data-binary {shell_quote(body)} "
                f"http://127.0.0.1:$PORT{self.path}")


def shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


AUTH = ("AWS4-HMAC-SHA256 Credential=fuzz/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64)


def dynamodb_case(service: str, operation: str, body: bytes, mutations: list[str],
                  served: bool) -> Case:
    headers = [("Content-Type", "application/x-amz-json-1.0"),
               ("X-Amz-Target", f"{TARGET_PREFIXES[service]}.{operation}"),
               ("X-Amz-Date", "20240101T000000Z"), ("Authorization", AUTH)]
    return Case("dynamodb", operation, "POST", "/", headers, body, mutations, served,
                service=service)


def lambda_case(operation: str, request: object, mutations: list[str], served: bool) -> Case:
    """Split a Lambda request into URI, query string, headers and body as its
    model says (REST-JSON)."""
    model = service_model("lambda")
    spec = model["operations"][operation]
    shape = model["shapes"][spec["input"]["shape"]] if spec.get("input") else {"members": {}}
    uri_template = spec["http"]["requestUri"]
    path_part, _, fixed_query = uri_template.partition("?")
    query: list[tuple[str, str]] = [tuple(pair.split("=", 1)) if "=" in pair else (pair, "")
                                    for pair in fixed_query.split("&") if pair]
    headers = [("Content-Type", "application/json"), ("X-Amz-Date", "20240101T000000Z"),
               ("Authorization", AUTH.replace("dynamodb", "lambda"))]
    body_fields = {}
    payload = None
    members = request if isinstance(request, dict) else {}
    for name, value in members.items():
        member = shape["members"].get(name, {})
        location = member.get("location")
        wire_name = member.get("locationName", name)
        if location == "uri":
            text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
            path_part = re.sub(r"\{%s\+?\}" % re.escape(wire_name),
                               quote(text.encode("utf-8", "surrogatepass"), safe="")
                               if text else "", path_part)
        elif location == "querystring":
            if value is not None:
                values = value if isinstance(value, list) else [value]
                query += [(wire_name, (v if isinstance(v, str) else json.dumps(v)).encode(
                    "utf-8", "surrogatepass")) for v in values]
        elif location == "header":
            if value is not None:
                text = value if isinstance(value, str) else json.dumps(value)
                headers.append((wire_name, text.encode("latin-1", "replace").decode("latin-1")
                                .replace("\r", " ").replace("\n", " ")))
        elif name == shape.get("payload"):
            payload = value
        else:
            body_fields[name] = value
    path_part = re.sub(r"\{\w+\+?\}", "", path_part)
    path = path_part + ("?" + urlencode(query) if query else "")
    if payload is not None:
        body = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) \
            else encode_json(payload)
    elif not isinstance(request, dict):
        body = encode_json(request)
    else:
        body = encode_json(body_fields) if body_fields or spec["http"]["method"] in (
            "POST", "PUT") else b""
    return Case("lambda", operation, spec["http"]["method"], path, headers, body, mutations,
                served, service="lambda")


def raw_request(case: Case, headers: list[tuple[str, str]] | None = None,
                body: bytes | None = None, request_line: str | None = None,
                host: str | None = "127.0.0.1") -> bytes:
    headers = list(case.headers if headers is None else headers)
    body = case.body if body is None else body
    lines = [request_line or f"{case.method} {case.path} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [f"{name}: {value}" for name, value in headers]
    if not any(name.lower() in ("content-length", "transfer-encoding") for name, _ in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body


def raw_mutation(rng: random.Random, base: Case) -> Case:
    """A raw HTTP mutation of a valid call (the bytes to write)."""
    headers = list(base.headers)
    body = base.body
    complete = True
    choice = rng.randrange(26)
    name = "raw"
    drop = lambda header: [(k, v) for k, v in headers if k.lower() != header]  # noqa: E731
    if choice == 0:
        name, raw = "no-content-type", raw_request(base, drop("content-type"))
    elif choice == 1:
        value = rng.choice(["text/plain", "application/xml", "application/x-www-form-urlencoded",
                            "application/x-amz-json-1.0; charset=utf-16", "\x7f\x01",
                            "multipart/form-data; boundary=x", "APPLICATION/JSON"])
        name, raw = "content-type", raw_request(base, drop("content-type") + [("Content-Type", value)])
    elif choice == 2:
        name, raw = "duplicate-target", raw_request(base, headers + [
            ("X-Amz-Target", "DynamoDB_20120810.DeleteTable")])
    elif choice == 3:
        name, raw = "no-target", raw_request(base, drop("x-amz-target"))
    elif choice == 4:
        value = rng.choice(["DynamoDB_20120810.", "DynamoDB_20120810.GetItem.X", ".GetItem",
                            "DynamoDB_20120810.\u00e9", "x" * 9000, "DynamoDB_20120810.ListTables "])
        name, raw = "odd-target", raw_request(base, drop("x-amz-target") + [("X-Amz-Target", value)])
    elif choice == 5:
        name, raw = "duplicate-length", raw_request(base, headers + [
            ("Content-Length", str(len(body))), ("Content-Length", str(len(body) + rng.choice((0, 3))))])
    elif choice == 6:
        name, raw = "length-and-chunked", raw_request(base, headers + [
            ("Content-Length", str(len(body))), ("Transfer-Encoding", "chunked")],
            body=chunked(body, rng))
    elif choice == 7:
        name, raw = "chunked", raw_request(base, headers + [("Transfer-Encoding", "chunked")],
                                           body=chunked(body, rng))
    elif choice == 8:
        bad = rng.choice([b"zz\r\n" + body + b"\r\n0\r\n\r\n", b"-1\r\nab\r\n0\r\n\r\n",
                          b"%x\r\n" % (len(body) + 10) + body + b"\r\n0\r\n\r\n",
                          b"1;ext=\x01\r\na\r\n0\r\n\r\n"])
        name, raw = "bad-chunked", raw_request(base, headers + [("Transfer-Encoding", "chunked")],
                                               body=bad)
        complete = bad.startswith((b"-1", b"1;"))  # a declared size beyond the data waits for more
    elif choice == 9:
        whole = chunked(body, rng)
        name, raw = "truncated-chunked", raw_request(
            base, headers + [("Transfer-Encoding", "chunked")], body=whole[:max(1, len(whole) // 2)])
        complete = False
    elif choice == 10:
        name, raw = "truncated-body", raw_request(
            base, headers + [("Content-Length", str(len(body) + 50))], body=body)
        complete = False
    elif choice == 11:
        size = rng.choice([16 * 1024 * 1024 + 1, 10 ** 12, 2 ** 63, 70_000_000])
        name, raw = "oversized-length", raw_request(
            base, headers + [("Content-Length", str(size))], body=body[:10])
        complete = False  # a 413 at once is the answer to give; waiting for the body is not
    elif choice == 12:
        value = rng.choice(["-1", "abc", "1e3", "5 5", "0x10", "99999999999999999999999", "+5"])
        name, raw = "bad-length", raw_request(base, headers + [("Content-Length", value)])
    elif choice == 13:
        bad_body = rng.choice([b'{"TableName": "\xff\xfe"}', b"\xef\xbb\xbf" + body,
                               b'{"TableName": "fuzz-\xc3\x28"}', b"\x00" * 10, b"{" * 5000,
                               body.replace(b"{", b"{\"TableName\": 1, ", 1)])
        name, raw = "bad-encoding", raw_request(base, body=bad_body)
    elif choice == 14:
        host = rng.choice([None, "", "evil.example", "127.0.0.1:1", "[::1]", "localhost.",
                           "127.0.0.1\x00", "a" * 5000])
        name, raw = "host", raw_request(base, host=host)
    elif choice == 15:
        name, raw = "duplicate-host", raw_request(base, headers + [("Host", "evil.example")])
    elif choice == 16:
        name, raw = "http10", raw_request(base, request_line=f"{base.method} {base.path} HTTP/1.0",
                                          host=None)
    elif choice == 17:
        name, raw = "long-header", raw_request(base, headers + [("X-Long", "a" * rng.choice(
            (9000, 70_000)))])
    elif choice == 18:
        value = rng.choice(["a\x00b", "a\x01b", "\x7f", "\xff\xfe"])
        name, raw = "control-header", raw_request(base, headers + [("X-Odd", value)])
    elif choice == 19:
        line = rng.choice([f"{base.method}  {base.path} HTTP/1.1", f"post {base.path} HTTP/1.1",
                           f"{base.method} http://127.0.0.1{base.path} HTTP/1.1",
                           f"{base.method} {base.path}?x=1 HTTP/1.1", f"{base.method} // HTTP/1.1",
                           f"PUT {base.path} HTTP/1.1", f"{base.method} {base.path} HTTP/2.0",
                           f"{base.method} * HTTP/1.1", f"BREW {base.path} HTTP/1.1",
                           f"{base.method} /%00 HTTP/1.1"])
        name, raw = "request-line", raw_request(base, request_line=line)
    elif choice == 20:
        name, raw = "expect-continue", raw_request(base, headers + [("Expect", "100-continue")])
    elif choice == 21:
        name, raw = "content-encoding", raw_request(base, headers + [
            ("Content-Encoding", rng.choice(["gzip", "deflate", "br", "identity, gzip"]))])
    elif choice == 22:
        name, raw = "pipelined", raw_request(base) + raw_request(base)
    elif choice == 23:
        name, raw = "header-folding", raw_request(base, headers + [("X-Fold", "a\r\n b")])
    elif choice == 24:
        name, raw = "lowercase-headers", raw_request(base, [(k.lower(), v) for k, v in headers])
    else:
        name, raw = "connection-close", raw_request(base, headers + [("Connection", "close")])
    return Case("raw", base.operation, base.method, base.path, headers, body, [name],
                raw=raw, complete=complete, service=base.service)


# raw mutations after which the connection may rightly be unusable: the
# framing is in doubt (what is left may be read as a next request), or the
# client said it is done
NO_FOLLOW_UP = frozenset(("pipelined", "http10", "connection-close", "bad-length",
                          "duplicate-length", "length-and-chunked", "bad-chunked",
                          "header-folding", "control-header", "request-line"))


def chunked(body: bytes, rng: random.Random) -> bytes:
    out, position = b"", 0
    while position < len(body):
        size = min(rng.randint(1, max(1, len(body) // 2 + 1)), len(body) - position)
        out += b"%x\r\n" % size + body[position:position + size] + b"\r\n"
        position += size
    return out + b"0\r\n\r\n"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def read_response(sock: socket.socket, timeout: float) -> Response | None:
    """One HTTP/1.1 response from a socket, None at a clean end of stream
    before any byte. Raises TimeoutError or ConnectionError."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            if not data:
                return None
            raise ConnectionError(f"stream ended inside the response head: {data[:200]!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    if status == 100 or 100 < status < 200:
        return read_response_after(sock, rest, timeout)
    if "content-length" in headers:
        length = int(headers["content-length"])
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("stream ended inside the response body")
            rest += chunk
        return Response(status, headers, rest[:length])
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in rest:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("stream ended inside a chunk")
                rest += chunk
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(rest) < size + 2:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("stream ended inside a chunk")
                rest += chunk
            if size == 0:
                return Response(status, headers, body)
            body += rest[:size]
            rest = rest[size + 2:]
    while True:  # delimited by the end of the stream
        chunk = sock.recv(65536)
        if not chunk:
            return Response(status, headers, rest)
        rest += chunk


def read_response_after(sock: socket.socket, pending: bytes, timeout: float) -> Response | None:
    """The final response after an interim 1xx (its bytes may have arrived already)."""
    class Replay:
        def __init__(self, data: bytes):
            self.data = data

        def settimeout(self, value):
            sock.settimeout(value)

        def recv(self, size):
            if self.data:
                data, self.data = self.data, b""
                return data
            return sock.recv(size)
    return read_response(Replay(pending), timeout)  # type: ignore[arg-type]


# --- checks ----------------------------------------------------------------------------------

def problem_of(case: Case, response: Response) -> str | None:
    """What is wrong with an answer, or None."""
    status, headers, body = response.status, response.headers, response.body
    if b"Traceback" in body or b'File "' in body:
        return "traceback in the body"
    if status >= 500 and status not in OK_STATUSES_5XX:
        return f"status {status}"
    lambda_route = case.service == "lambda"
    if status < 300:
        if case.kind == "dynamodb" and not case.served:
            return f"status {status} for an operation the engine does not serve"
        if body and headers.get("content-type", "").startswith("application/"):
            try:
                json.loads(body)
            except ValueError:
                if not (lambda_route and case.operation == "Invoke"):
                    return "a success whose body is not JSON"
        return None
    if status == 413 or status == 503:
        return None
    if body == b"<UnknownOperationException/>\n" and status == 404:
        return None
    try:
        answer = json.loads(body)
    except ValueError:
        return f"status {status} with a body that is not JSON: {body[:120]!r}"
    if not isinstance(answer, dict):
        return f"error body is not a JSON object: {body[:120]!r}"
    if lambda_route and not (case.kind == "raw" and "__type" in answer):
        if "x-amzn-errortype" not in headers:
            return "Lambda error without x-amzn-ErrorType"
        if "Type" not in answer or not isinstance(answer.get("message"), str):
            return f"Lambda error body not in Lambda's envelope: {body[:160]!r}"
        if case.kind == "lambda" and not case.served and status < 500 and headers[
                "x-amzn-errortype"] not in ("UnknownOperationException", "AccessDeniedException"):
            return f"unserved operation answered {headers['x-amzn-errortype']}"
        return None
    kind = answer.get("__type")
    if not isinstance(kind, str) or "#" not in kind or not kind.split("#", 1)[1]:
        return f"error body without a '...#Name' __type: {body[:160]!r}"
    message = answer.get("message", answer.get("Message"))
    if message is not None and not isinstance(message, str):
        return f"error message is not a string: {body[:160]!r}"
    if case.kind == "dynamodb" and not case.served and not kind.endswith(
            ("#UnknownOperationException", "#SerializationException")):
        return f"unserved operation answered {kind}"  # (a body that is not JSON comes first)
    return None


# --- the run ---------------------------------------------------------------------------------

@dataclass
class Failure:
    case: Case
    problem: str
    status: int | None
    answer: bytes

    @property
    def layer(self) -> str:
        """"engine" for an answer the engine gave (the wire codec and the
        operations), "server" for one from the HTTP layer in front of it."""
        if self.case.kind == "raw" or self.answer in SERVER_ANSWERS:
            return "server"
        return "engine"

    @property
    def known(self) -> str | None:
        """The known server finding this is (a 4xx whose body is not AWS's
        envelope), or None."""
        if self.status is None or self.status >= 500 or "traceback" in self.problem:
            return None
        for name, signature in KNOWN_SERVER_FINDINGS.items():
            if signature in self.answer:
                return name
        return None

    def describe(self) -> str:
        return (f"[{self.layer}] {self.case.kind} {self.case.operation} {self.case.mutations}: "
                f"{self.problem}"
                f" (status {self.status}, answer {self.answer[:200]!r})\n"
                f"    reproduce: {self.case.reproducer()}")


class Fuzzer:
    """Sends generated and mutated requests to a server and checks each answer."""

    def __init__(self, url: str, seed: int, raw_share: float = 0.15, timeout: float = 5.0) -> None:
        self.host, port = url.removeprefix("http://").rsplit(":", 1)
        self.port = int(port)
        self.rng = random.Random(seed)
        self.raw_share = raw_share
        self.timeout = timeout
        self.context = Context()
        self.generator = Generator(self.rng, self.context)
        self.failures: list[Failure] = []
        self.per_operation: Counter = Counter()
        self.statuses: Counter = Counter()
        self.mutation_counts: Counter = Counter()
        self.connection: http.client.HTTPConnection | None = None
        self.last_error = ""
        self.operations = self._operations()
        self.served = [op for op in self.operations if op[2]]
        self.unserved = [op for op in self.operations if not op[2]]

    def _operations(self) -> list[tuple[str, str, bool]]:
        found = []
        for service in ("dynamodb", "dynamodbstreams", "lambda"):
            served = OPERATIONS[service]
            for name in service_model(service)["operations"]:
                found.append((service, name, name in served))
        return found

    # plain calls (set-up, canary)

    def call(self, target: str, body: dict, service: str = "dynamodb") -> tuple[int, dict]:
        case = dynamodb_case(service, target, encode_json(body), [], True)
        response = self.send(case)
        assert response is not None, f"no answer to {target}"
        return response.status, json.loads(response.body or b"{}")

    def lambda_call(self, method: str, path: str, body: dict | None) -> tuple[int, dict]:
        data = encode_json(body) if body is not None else b""
        case = Case("lambda", "setup", method, path, [
            ("Content-Type", "application/json"), ("Authorization", AUTH)], data, [])
        response = self.send(case)
        assert response is not None
        return response.status, json.loads(response.body or b"{}")

    def set_up(self) -> None:
        """Canary and fuzz tables, a stream, a function and a mapping."""
        for name, extra in ((CANARY_TABLE, {}), (ITEMS_TABLE, {
                "StreamSpecification": {"StreamEnabled": True,
                                        "StreamViewType": "NEW_AND_OLD_IMAGES"},
                "GlobalSecondaryIndexes": [{"IndexName": "gsi", "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"}}]})):
            schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
            definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
            if name == ITEMS_TABLE:
                schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
                definitions += [{"AttributeName": "sk", "AttributeType": "N"},
                                {"AttributeName": "g", "AttributeType": "S"}]
            status, answer = self.call("CreateTable", {
                "TableName": name, "BillingMode": "PAY_PER_REQUEST", "KeySchema": schema,
                "AttributeDefinitions": definitions, "DeletionProtectionEnabled": True, **extra})
            assert status == 200, answer
        deadline = time.time() + 20
        for name in (CANARY_TABLE, ITEMS_TABLE):
            while self.call("DescribeTable", {"TableName": name})[1]["Table"][
                    "TableStatus"] != "ACTIVE":
                assert time.time() < deadline, "tables did not become ACTIVE"
                time.sleep(0.02)
        assert self.call("PutItem", {"TableName": CANARY_TABLE, "Item": CANARY_ITEM})[0] == 200
        for index in range(5):
            self.call("PutItem", {"TableName": ITEMS_TABLE, "Item": {
                "pk": {"S": f"p{index}"}, "sk": {"N": str(index)}, "g": {"S": "x"},
                "v": {"L": [{"S": "a"}]}}})
        _, streams = self.call("ListStreams", {"TableName": ITEMS_TABLE}, "dynamodbstreams")
        for stream in streams.get("Streams", []):
            arn = stream["StreamArn"]
            self.context.stream_arns.append(arn)
            _, described = self.call("DescribeStream", {"StreamArn": arn}, "dynamodbstreams")
            for shard in described["StreamDescription"]["Shards"]:
                self.context.shard_ids.append(shard["ShardId"])
                _, got = self.call("GetShardIterator", {
                    "StreamArn": arn, "ShardId": shard["ShardId"],
                    "ShardIteratorType": "TRIM_HORIZON"}, "dynamodbstreams")
                if "ShardIterator" in got:
                    self.context.iterators.append(got["ShardIterator"])
                    _, records = self.call("GetRecords", {"ShardIterator": got["ShardIterator"]},
                                           "dynamodbstreams")
                    self.context.sequence_numbers += [
                        record["dynamodb"]["SequenceNumber"] for record in records.get("Records", [])][:3]
        status, created = self.lambda_call("POST", "/2015-03-31/functions", {
            "FunctionName": FUNCTION, "Runtime": "python3.12", "Handler": "lambda_function.handler",
            "Role": "arn:aws:iam::000000000000:role/fuzz", "Code": {"ZipFile": zipped_code()}})
        if status < 300:
            self.context.function_arns.append(created["FunctionArn"])
            if self.context.stream_arns:
                status, mapping = self.lambda_call("POST", "/2015-03-31/event-source-mappings", {
                    "FunctionName": FUNCTION, "EventSourceArn": self.context.stream_arns[0],
                    "StartingPosition": "TRIM_HORIZON", "Enabled": False})
                if status < 300:
                    self.context.mapping_ids.append(mapping["UUID"])

    def canary_problems(self) -> list[str]:
        problems = []
        status, answer = self.call("GetItem", {"TableName": CANARY_TABLE,
                                               "Key": {"pk": {"S": "canary"}},
                                               "ConsistentRead": True})
        if status != 200 or answer.get("Item") != CANARY_ITEM:
            problems.append(f"canary item changed: {status} {answer}")
        status, answer = self.call("DescribeTable", {"TableName": CANARY_TABLE})
        if status != 200 or not answer["Table"].get("DeletionProtectionEnabled"):
            problems.append(f"canary table changed: {status} {answer}")
        return problems

    # sending

    def send(self, case: Case) -> Response | None:
        """Send on the keep-alive connection; None if the connection failed
        (recorded as a failure by the caller)."""
        for attempt in (0, 1):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port,
                                                             timeout=self.timeout)
            try:
                self.connection.putrequest(case.method, case.path, skip_host=True,
                                           skip_accept_encoding=True)
                self.connection.putheader("Host", f"{self.host}:{self.port}")
                for name, value in case.headers:
                    self.connection.putheader(name, value.encode("latin-1", "replace"))
                self.connection.putheader("Content-Length", str(len(case.body)))
                self.connection.endheaders(case.body)
                answer = self.connection.getresponse()
                body = answer.read()
                headers = {key.lower(): value for key, value in answer.getheaders()}
                if answer.will_close:
                    self.connection.close()
                    self.connection = None
                return Response(answer.status, headers, body)
            except (ConnectionError, http.client.HTTPException, OSError) as error:
                self.connection.close()
                self.connection = None
                if attempt == 1 or isinstance(error, TimeoutError):
                    self.last_error = repr(error)
                    return None
                # a connection the server closed while idle is retried once; a
                # second failure is a real one
                if not isinstance(error, (http.client.RemoteDisconnected, BrokenPipeError,
                                          ConnectionResetError)):
                    self.last_error = repr(error)
                    return None
        return None

    def send_raw(self, case: Case) -> tuple[Response | None, str | None]:
        """Write the raw bytes on a new socket. Returns (response, problem)."""
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            try:
                sock.sendall(case.raw)
            except OSError as error:
                return None, None if not case.complete else f"write failed: {error!r}"
            if not case.complete:
                sock.shutdown(socket.SHUT_WR)
            try:
                response = read_response(sock, 2.0 if not case.complete else self.timeout)
            except TimeoutError:
                if case.mutations[0] == "oversized-length":
                    return None, "no answer to an oversized declared length (waits for the body)"
                return None, None if not case.complete else "no answer (timed out)"
            except (ConnectionError, OSError) as error:
                return None, None if not case.complete else f"connection failed: {error!r}"
            if response is None:
                return None, None if not case.complete else "connection closed without an answer"
            if response.headers.get("connection", "").lower() == "close" or not case.complete \
                    or case.mutations[0] in NO_FOLLOW_UP:
                return response, None
            # the connection is open: a valid call on it must be answered
            follow = raw_request(dynamodb_case("dynamodb", "ListTables", b"{}", [], True))
            try:
                sock.sendall(follow)
                after = read_response(sock, self.timeout)
            except (OSError, ConnectionError, TimeoutError) as error:
                return response, f"the next request on the connection failed: {error!r}"
            if after is None:
                return response, "the connection was closed after the answer without saying so"
            if after.status != 200:
                return response, f"the next request on the connection got {after.status}: {after.body[:120]!r}"
            return response, None
        finally:
            sock.close()

    # one case

    def next_case(self) -> Case:
        rng = self.rng
        # served operations get most of the traffic, unserved ones the rest
        service, operation, served = rng.choice(
            self.served if rng.random() < 0.8 else self.unserved)
        request = self.generator.request(service, operation)
        mutations: list[str] = []
        if rng.random() < 0.85:
            request, mutations = self.generator.mutate(request)
        if service == "lambda":
            case = lambda_case(operation, request, mutations, served)
        else:
            case = dynamodb_case(service, operation, encode_json(request), mutations, served)
        if rng.random() < self.raw_share:
            base = case if rng.random() < 0.7 else dynamodb_case(
                "dynamodb", "GetItem", encode_json({"TableName": CANARY_TABLE,
                                                    "Key": {"pk": {"S": "canary"}}}), [], True)
            return raw_mutation(rng, base)
        return case

    def run_one(self, case: Case) -> None:
        self.per_operation[f"{case.service}.{case.operation}"] += 1
        for name in case.mutations:
            self.mutation_counts[name] += 1
        if case.raw is not None:
            response, problem = self.send_raw(case)
            if response is not None:
                self.statuses[response.status] += 1
                problem = problem or (problem_of(case, response) if case.complete or
                                      response.status >= 500 else None)
            else:
                self.statuses["none"] += 1
            if problem:
                self.failures.append(Failure(case, problem, response and response.status,
                                             response.body if response else b""))
            return
        response = self.send(case)
        if response is None:
            self.statuses["none"] += 1
            self.failures.append(Failure(case, f"connection failed: {self.last_error}",
                                         None, b""))
            return
        self.statuses[response.status] += 1
        problem = problem_of(case, response)
        if problem:
            self.failures.append(Failure(case, problem, response.status, response.body))

    def run(self, requests: int, progress: bool = False) -> None:
        for index in range(requests):
            self.run_one(self.next_case())
            if progress and index and index % 1000 == 0:
                print(f"  {index} requests, {len(self.failures)} failures", file=sys.stderr)


def rss_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0])
    return fields


def start_server(data_dir: str, workers: int = 1, extra: tuple[str, ...] = (),
                 log=None) -> tuple[subprocess.Popen, str]:
    """`python -m server.cli serve` on a free port; `log`, a file for its output."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--host", "127.0.0.1",
         "--data-dir", data_dir, "--workers", str(workers), "--table-status-delay", "0", *extra],
        cwd=ROOT, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, url
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("server exited during start-up")
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("server did not start")


def summary(fuzzer: Fuzzer, seconds: float, rss: tuple[dict, dict] | None,
            canary: list[str]) -> str:
    lines = [f"{sum(fuzzer.per_operation.values())} requests in {seconds:.1f} s, "
             f"{len(fuzzer.failures)} failures"]
    lines.append("statuses: " + ", ".join(f"{status}: {count}" for status, count in
                                          sorted(fuzzer.statuses.items(), key=str)))
    lines.append("mutations: " + ", ".join(f"{name} {count}" for name, count in
                                           fuzzer.mutation_counts.most_common()))
    lines.append("requests per operation:")
    for name, count in sorted(fuzzer.per_operation.items()):
        lines.append(f"  {name:58} {count}")
    if rss:
        before, after = rss
        lines.append("server RSS (KiB): before " + ", ".join(f"{k} {v}" for k, v in before.items())
                     + "; after " + ", ".join(f"{k} {v}" for k, v in after.items()))
    lines.append("canary: " + ("intact" if not canary else "; ".join(canary)))
    layers = Counter(f.layer for f in fuzzer.failures)
    known = Counter(f.known for f in fuzzer.failures if f.known)
    lines.append(f"failures: engine {layers['engine']}, server {layers['server']}"
                 + (" (known server findings: " + ", ".join(
                     f"{name} {count}" for name, count in known.items()) + ")" if known else ""))
    by_problem = Counter((f.layer, f.case.kind, f.case.mutations[0] if f.case.kind == "raw"
                          else f.case.operation, f.problem[:90]) for f in fuzzer.failures)
    if fuzzer.failures:
        lines.append("failures by kind:")
        for (layer, kind, what, problem), count in by_problem.most_common():
            lines.append(f"  {count:4} [{layer}] {kind} {what}: {problem}")
        lines.append("first failure of each kind:")
        seen = set()
        for failure in fuzzer.failures:
            key = (failure.layer, failure.case.kind, failure.case.mutations[0] if
                   failure.case.kind == "raw" else failure.case.operation, failure.problem[:90])
            if key not in seen:
                seen.add(key)
                lines.append("  " + failure.describe())
    return "\n".join(lines)


def log_summary(text: str) -> str:
    """Tracebacks the server logged, by their last line."""
    lines = text.splitlines()
    ends = Counter()
    for index, line in enumerate(lines):
        if line.startswith("Traceback"):
            for later in lines[index + 1:]:
                if later and not later.startswith((" ", "Traceback", "During handling")):
                    ends[later[:160]] += 1
                    break
    if not ends:
        return "server log: no tracebacks"
    return "server log tracebacks:\n" + "\n".join(f"  {count:4} {end}" for end, count in
                                                    ends.most_common())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="fuzz a running server instead of starting one")
    parser.add_argument("--pid", type=int, help="its process id, for the RSS (with --url)")
    parser.add_argument("--raw", type=float, default=0.15, help="share of raw HTTP mutations")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", help="write every failure (with reproducer) to this JSON file")
    args = parser.parse_args(argv)
    process = None
    data_dir = None
    url, pid = args.url, args.pid
    log_path = None
    if url is None:
        data_dir = tempfile.mkdtemp(prefix="dynalite-fuzz-")
        log_path = Path(data_dir) / "server.log"
        process, url = start_server(data_dir, args.workers, log=log_path.open("wb"))
        pid = process.pid
    try:
        fuzzer = Fuzzer(url, args.seed, args.raw)
        fuzzer.set_up()
        before = rss_kib(pid) if pid else None
        started = time.time()
        fuzzer.run(args.requests, progress=True)
        seconds = time.time() - started
        after = rss_kib(pid) if pid else None
        canary = fuzzer.canary_problems()
        if process is not None and process.poll() is not None:
            canary.append(f"server exited with {process.returncode}")
        print(summary(fuzzer, seconds, (before, after) if pid else None, canary))
        if log_path is not None:
            print(log_summary(log_path.read_text(errors="replace")))
        if args.out:
            Path(args.out).write_text(json.dumps([{
                "layer": f.layer, "known": f.known,
                "kind": f.case.kind, "operation": f.case.operation, "mutations": f.case.mutations,
                "problem": f.problem, "status": f.status,
                "answer": f.answer[:2000].decode("utf-8", "replace"),
                "reproduce": f.case.reproducer()} for f in fuzzer.failures], indent=1))
        return 1 if fuzzer.failures or canary else 0
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        if data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

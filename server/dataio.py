"""`dynalite-py load TABLE FILE` and `dynalite-py dump TABLE`: items in and
out of a table, against a data directory (the engine in this process) or a
running server (--endpoint-url), in three formats:

- dynamodb-json: one `{"Item": {...}}` a line in DynamoDB JSON, as
  DynamoDB's export to S3 writes them (lossless; load also takes bare items);
- json: one plain JSON object a line (boto3's TypeDeserializer and
  TypeSerializer): numbers as JSON numbers, sets as lists, binary as base64;
- csv: a header row of attribute names; on load the key attributes take the
  table's types and every other value is a string, as DynamoDB's CSV import
  reads them.

Long work reports its progress on stderr once a second.
"""
from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import sys
import time
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from typing import IO, Callable, Iterable, Iterator

FORMATS = ("dynamodb-json", "json", "csv")
BATCH_SIZE = 25  # BatchWriteItem's cap
PROGRESS_SECONDS = 1.0
COMMANDS = ("load", "dump")


def add_commands(commands, env) -> None:
    """The `load` and `dump` subcommands on the CLI's parser."""
    load = commands.add_parser("load", help="write the items of a file into a table")
    load.add_argument("table")
    load.add_argument("file", help="the items ('-' reads stdin)")
    dump = commands.add_parser("dump", help="write every item of a table out")
    dump.add_argument("table")
    dump.add_argument("--output", "-o", default="-", help="a file ('-', the default: stdout)")
    for command in (load, dump):
        command.add_argument("--format", choices=FORMATS, default=None,
                             help="default: from the file name (.csv, .json), else dynamodb-json")
        command.add_argument("--endpoint-url", default=None,
                             help="a running server's URL, in place of the data directory")
        command.add_argument("--data-dir", default=env("DYNALITE_DATA_DIR", "./data"))
        command.add_argument("--store", default=env("DYNALITE_STORE"),
                             help="a store URL or directory in place of --data-dir")
        command.add_argument("--region", default="us-east-1")


def run(args: argparse.Namespace) -> int:
    """Run `load` or `dump`; the exit code. Errors are one line on stderr."""
    from botocore.exceptions import BotoCoreError, ClientError

    from dynalite_py.errors import DynamoError
    try:
        with target(args) as call:
            if args.command == "load":
                count = load(call, args.table, args.file, chosen_format(args, args.file))
                print(f"dynalite-py: loaded {count} items into {args.table}", file=sys.stderr)
            else:
                count = dump(call, args.table, args.output, chosen_format(args, args.output))
                print(f"dynalite-py: dumped {count} items of {args.table}", file=sys.stderr)
    except ClientError as error:
        print(f"dynalite-py: {error.response['Error'].get('Message') or error}", file=sys.stderr)
        return 1
    except DynamoError as error:
        print(f"dynalite-py: {error.message}", file=sys.stderr)
        return 1
    except (BotoCoreError, OSError, ValueError) as error:
        print(f"dynalite-py: {error}", file=sys.stderr)
        return 1
    return 0


def chosen_format(args: argparse.Namespace, path: str) -> str:
    if args.format:
        return args.format
    if path.endswith(".csv"):
        return "csv"
    if path.endswith(".json"):
        return "json"
    return "dynamodb-json"


# call(operation, request) -> response: the engine's own Engine.call, or a
# boto3 client's method of that operation
Call = Callable[[str, dict], dict]


@contextmanager
def target(args: argparse.Namespace) -> Iterator[Call]:
    """Calls on the server at --endpoint-url, or on an engine opened in this
    process on --store / --data-dir (closed afterwards)."""
    if args.endpoint_url:
        yield client_calls(args.endpoint_url, args.region)
        return
    from dynalite_py.engine import Engine
    from dynalite_py.storage import MEMORY
    location = args.store or args.data_dir
    if location != MEMORY and "://" not in location and not os.path.isdir(location):
        raise ValueError(f"no data directory at {location} (--data-dir, or --endpoint-url "
                         "for a running server)")
    engine = Engine(location, background=False)
    try:
        yield engine.call
    finally:
        engine.close()


def client_calls(endpoint_url: str, region: str) -> Call:
    """Calls through a boto3 client (credentials from the environment, as
    with --auth they must be; placeholders otherwise), in wire form: boto3
    takes and gives binary values as bytes, the wire as base64."""
    import boto3
    from botocore import xform_name
    session = boto3.session.Session(region_name=region)
    keys = {} if session.get_credentials() else {"aws_access_key_id": "any",
                                                  "aws_secret_access_key": "any"}
    client = session.client("dynamodb", endpoint_url=endpoint_url, **keys)

    def call(operation: str, request: dict) -> dict:
        answer = getattr(client, xform_name(operation))(**binary_as(request, base64.b64decode))
        return binary_as(answer, lambda raw: base64.b64encode(raw).decode())
    return call


def binary_as(value: object, convert: Callable) -> object:
    """`value` with the content of every B and BS attribute value converted."""
    if isinstance(value, dict):
        if len(value) == 1 and "B" in value and not isinstance(value["B"], dict):
            return {"B": convert(value["B"])}
        if len(value) == 1 and "BS" in value and isinstance(value["BS"], list):
            return {"BS": [convert(element) for element in value["BS"]]}
        return {name: binary_as(inner, convert) for name, inner in value.items()}
    if isinstance(value, list):
        return [binary_as(inner, convert) for inner in value]
    return value


class Progress:
    """'N items ... (R/s)' on stderr at most once a second, for long work."""

    def __init__(self, verb: str, table: str) -> None:
        self.verb, self.table = verb, table
        self.count = 0
        self.started = self.shown = time.monotonic()

    def add(self, count: int) -> None:
        self.count += count
        now = time.monotonic()
        if now - self.shown >= PROGRESS_SECONDS:
            self.shown = now
            rate = self.count / (now - self.started)
            print(f"dynalite-py: {self.verb} {self.count} items of {self.table} "
                  f"({rate:.0f}/s)", file=sys.stderr, flush=True)


# Load -----------------------------------------------------------------------
def load(call: Call, table: str, path: str, file_format: str) -> int:
    """Write the file's items into the table; how many."""
    key_types = key_attribute_types(call, table)
    with opened(path, "r") as source:
        return write_items(call, table, read_items(source, file_format, key_types))


def write_items(call: Call, table: str, items: Iterable[dict]) -> int:
    """Put the items (BatchWriteItem, 25 at a time); how many."""
    progress = Progress("loaded", table)
    batch: list[dict] = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH_SIZE:
            write_batch(call, table, batch)
            progress.add(len(batch))
            batch = []
    if batch:
        write_batch(call, table, batch)
        progress.add(len(batch))
    return progress.count


def key_attribute_types(call: Call, table: str) -> dict[str, str]:
    """{attribute name: S|N|B} of the table's key attributes (and its indexes')."""
    description = call("DescribeTable", {"TableName": table})["Table"]
    return {definition["AttributeName"]: definition["AttributeType"]
            for definition in description["AttributeDefinitions"]}


def write_batch(call: Call, table: str, items: list[dict]) -> None:
    """Put every item, sending again what comes back unprocessed."""
    requests = {table: [{"PutRequest": {"Item": item}} for item in items]}
    delay = 0.05
    while requests:
        requests = call("BatchWriteItem", {"RequestItems": requests}).get("UnprocessedItems")
        if requests:
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def read_items(source: IO, file_format: str, key_types: dict[str, str]) -> Iterator[dict]:
    """The file's items in DynamoDB JSON."""
    if file_format == "csv":
        yield from csv_items(source, key_types)
        return
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise ValueError(f"line {number} is not JSON: {error}") from None
        if not isinstance(record, dict):
            raise ValueError(f"line {number} is not a JSON object")
        if file_format == "json":
            yield serialized(record)
        else:
            yield record.get("Item", record) if set(record) == {"Item"} else record


@cache
def type_converters():
    """boto3's (TypeSerializer, TypeDeserializer), imported on first use:
    `serve` imports this module and does not need boto3."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
    return TypeSerializer(), TypeDeserializer()


def serialized(plain: dict) -> dict:
    """A plain JSON object as a DynamoDB JSON item."""
    serializer = type_converters()[0]
    return {name: serializer.serialize(value) for name, value in plain.items()}


def csv_items(source: IO, key_types: dict[str, str]) -> Iterator[dict]:
    """Rows as items: key attributes typed by the table, the rest strings,
    empty cells left out."""
    for row in csv.DictReader(source):
        item = {}
        for name, text in row.items():
            if name is None or text is None or text == "":
                continue
            kind = key_types.get(name, "S")
            item[name] = {kind: text}
        yield item


# Dump -----------------------------------------------------------------------
def dump(call: Call, table: str, path: str, file_format: str) -> int:
    """Write every item of the table (a Scan) to the file; how many."""
    progress = Progress("dumped", table)
    keys = key_names(call, table)  # first: a missing table fails before the file is made
    items = scanned_items(call, table, progress)
    with opened(path, "w") as output:
        if file_format == "csv":
            write_csv(output, list(items), keys)
        else:
            for item in items:
                output.write(item_line(item, file_format) + "\n")
    return progress.count


def scanned_items(call: Call, table: str, progress: Progress) -> Iterator[dict]:
    request: dict = {"TableName": table}
    while True:
        page = call("Scan", request)
        progress.add(len(page["Items"]))
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def key_names(call: Call, table: str) -> list[str]:
    schema = call("DescribeTable", {"TableName": table})["Table"]["KeySchema"]
    return [element["AttributeName"] for element in schema]


def item_line(item: dict, file_format: str) -> str:
    if file_format == "json":
        return json.dumps(plain(item), default=plain_json_value)
    return json.dumps({"Item": item})


def plain(item: dict) -> dict:
    deserializer = type_converters()[1]
    return {name: deserializer.deserialize(value) for name, value in item.items()}


def plain_json_value(value: object) -> object:
    """JSON for what TypeDeserializer returns beyond JSON's own types."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    from boto3.dynamodb.types import Binary
    if isinstance(value, Binary):
        return base64.b64encode(value.value).decode()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON")


def write_csv(target: IO, items: list[dict], keys: list[str]) -> None:
    """A header of every attribute name (keys first), then one row an item:
    strings and numbers as themselves, anything else as plain JSON."""
    names = list(keys) + sorted({name for item in items for name in item} - set(keys))
    writer = csv.writer(target)
    writer.writerow(names)
    for item in items:
        writer.writerow([csv_cell(item[name]) if name in item else "" for name in names])


def csv_cell(value: dict) -> str:
    (kind, content), = value.items()
    if kind in ("S", "N"):
        return content
    if kind == "BOOL":
        return "true" if content else "false"
    if kind == "NULL":
        return ""
    return json.dumps(type_converters()[1].deserialize(value), default=plain_json_value)


@contextmanager
def opened(path: str, mode: str) -> Iterator[IO]:
    """A file by name, or stdin/stdout for '-' (left open)."""
    if path == "-":
        yield sys.stdin if mode == "r" else sys.stdout
        return
    with open(path, mode, newline="" if path.endswith(".csv") else None,
              encoding="utf-8") as file:
        yield file

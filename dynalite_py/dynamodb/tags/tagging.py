"""What the tag operations share: the table a ResourceArn names, and
DynamoDB's rules for tags (also applied to CreateTable's Tags).

A table's tags live in its catalog record ("Tags", a list of {Key, Value}
in the order they were first set), so they are as durable as the table,
and go with it on DeleteTable.

Messages and their order were observed against DynamoDB (ack-api-quirks
DDB-TABLE-071/105/107/372, dynalite's tagResource.js): every tag problem
is a ValidationException, checked on the whole request before anything is
stored (all or nothing), and the 50-tag limit on the merged set.
"""
from __future__ import annotations

import re
import unicodedata

from ...errors import (
    CORAL_NAMESPACE,
    DynamoError,
    invalid_parameter,
    resource_not_found,
    validation_error,
)
from ..tables.catalog import Table

MAX_TAGS = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
# AWS's tag pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$: letters, separators and
# digits of any script, and these marks
_TAG_MARKS = frozenset("_.:/=+-@")
_TABLE_ARN = re.compile(r"arn:aws:dynamodb:([^:]*):([^:]*):table/([^/]+)(/.*)?")
# a table name within an ARN: DynamoDB's TableName pattern and lengths
_TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
TOO_MANY = "Number of Tags exceed the current limit for the provided ResourceArn"


def tagged_table(ctx_or_txn, engine, request: dict, operation: str, write: bool) -> Table:
    """The table `request["ResourceArn"]` names, usable by the tag
    operations (ACTIVE or UPDATING); DynamoDB's errors otherwise."""
    arn = request.get("ResourceArn")
    name = table_name_of(engine, arn, operation)
    catalog = engine.catalog
    table = catalog.current(ctx_or_txn, name) if write else catalog.find(ctx_or_txn, name)
    if table is None or table.status(engine.clock()) not in ("ACTIVE", "UPDATING"):
        # a table still being created is unknown to the tagging service too
        raise resource_not_found(f"Requested resource not found: ResourceArn: {arn} not found")
    return table


def table_name_of(engine, arn: str | None, operation: str) -> str:
    """The table name in a ResourceArn, checked as DynamoDB checks it."""
    if arn is None:
        raise validation_error("Invalid TableArn")
    if arn == "":
        raise DynamoError(
            "AccessDeniedException",
            f"User: arn:aws:iam::{engine.config.account_id}:user/dynalite is not authorized to "
            f"perform: dynamodb:{operation} on resource: *",
            namespace=CORAL_NAMESPACE, message_key="Message")
    region, account, name, rest = split_resource_arn(arn)
    if rest is not None and rest.startswith("/stream/"):
        # a stream ARN: DynamoDB looks it up as a resource of its own
        raise resource_not_found(f"Requested resource not found: ResourceArn: {arn} not found")
    if rest is not None and rest.startswith("/index/"):
        raise invalid_parameter("Invalid resource arn provided, only table or stream is "
                                f"accepted. Provided resource arn: {arn}")
    if rest is not None:
        raise invalid_parameter(f"Provided Arn is not a DynamoDB resource arn: {arn}")
    if account != engine.config.account_id:
        raise DynamoError("AccessDeniedException", "Access is denied",
                          namespace=CORAL_NAMESPACE, message_key="Message")
    if region != engine.config.region or not _TABLE_NAME.fullmatch(name):
        raise validation_error(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    return name


def split_resource_arn(arn: str) -> tuple[str, str, str, str | None]:
    """(region, account, table name, the rest: "/stream/..." or "/index/...")
    of a DynamoDB table ARN, or its resource-ARN ValidationException (the
    tag and resource policy operations share these)."""
    if not arn.startswith("arn:"):
        raise invalid_parameter(f"ARNs must start with 'arn:': {arn}")
    match = _TABLE_ARN.fullmatch(arn)
    if match is None:
        raise invalid_parameter(f"Provided Arn is not a DynamoDB resource arn: {arn}")
    return match.groups()


def _allowed(text: str) -> bool:
    """Whether every character is one AWS's tag pattern allows."""
    return all(char in _TAG_MARKS or unicodedata.category(char)[0] in "LZN" for char in text)


def check_key(key: object) -> str:
    """A tag key as DynamoDB accepts it (TagResource's, UntagResource's)."""
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH or not _allowed(key):
        raise validation_error(f"The Tag Key provided is invalid, Key: {_shown(key)}")
    if key[:4].lower() == "aws:":
        raise validation_error(f"Tag Key cannot be prefixed with aws:, Key: {key}")
    return key


def check_tags(tags: list[dict]) -> dict[str, str]:
    """The tags of a request by key, in order; DynamoDB's errors for a bad
    key or value or a key given twice."""
    checked: dict[str, str] = {}
    for tag in tags:
        key = check_key(tag.get("Key"))
        value = tag.get("Value")
        if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH or not _allowed(value):
            raise validation_error(f"The Tag Value provided is invalid, Value: {_shown(value)}")
        if key in checked:
            raise validation_error("Duplicate Tag Keys provided as input: Duplicate Tag Key "
                                   f"found {key}")
        checked[key] = value
    return checked


def validate_create_tags(tags: list[dict] | None) -> None:
    """CreateTable's Tags: the same rules and limit (an empty list is fine)."""
    if tags and len(check_tags(tags)) > MAX_TAGS:
        raise validation_error(TOO_MANY)


def _shown(value: object) -> str:
    return "null" if value is None else str(value)


def tags_of(table: Table) -> list[dict]:
    return table.record.get("Tags") or []

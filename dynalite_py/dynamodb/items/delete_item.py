"""DeleteItem: remove one item by its full primary key, optionally under a
condition (writes.KeyedWrite, shared with UpdateItem and TransactWriteItems)."""
from __future__ import annotations

from ...protocol.validation import ShapeRules
from ...storage.items import StoredItem
from .writes import KeyedWrite, StagedWrite, check_return_values, enveloped_checks, perform

NAME = "DeleteItem"
READ_ONLY = False
# DynamoDB's member order in messages: ReturnValues first, as in the AWS
# captures of 2026 (nubo-db/dynamodb-conformance).
SHAPE_RULES = ShapeRules(member_order={"DeleteItemInput": (
    "ReturnValues", "ReturnConsumedCapacity", "TableName", "ReturnItemCollectionMetrics",
    "Key", "ConditionalOperator", "Expected", "ConditionExpression",
    "ExpressionAttributeValues", "ExpressionAttributeNames")})


def run(engine, request: dict) -> dict:
    return perform(stage(engine, request))


def stage(engine, request: dict) -> StagedWrite:
    with enveloped_checks():
        delete = KeyedWrite.check(request, ["ConditionExpression"],
                                  ["Expected", "ConditionalOperator"])
        check_return_values(request)
    return StagedWrite(engine, request, lambda table: (delete.plan(table, _deleted), None))


def _deleted(old: StoredItem | None) -> tuple[None, int]:
    return None, 0

"""PutItem: create or replace one item, optionally under a condition
(writes.Put, shared with TransactWriteItems' Put)."""
from __future__ import annotations

from ...protocol.validation import ShapeRules
from .writes import Put, StagedWrite, check_return_values, enveloped_checks, perform

NAME = "PutItem"
READ_ONLY = False
# DynamoDB's member order in messages: ReturnValues first, as in the AWS
# captures of 2026 (nubo-db/dynamodb-conformance).
SHAPE_RULES = ShapeRules(member_order={"PutItemInput": (
    "ReturnValues", "ReturnConsumedCapacity", "TableName", "Item", "ConditionalOperator",
    "Expected", "ReturnItemCollectionMetrics", "ConditionExpression",
    "ExpressionAttributeValues", "ExpressionAttributeNames")})


def run(engine, request: dict) -> dict:
    return perform(stage(engine, request))


def stage(engine, request: dict) -> StagedWrite:
    with enveloped_checks():
        put = Put.check(request, legacy=["Expected", "ConditionalOperator"])
        check_return_values(request)
    return StagedWrite(engine, request, lambda table: (put.plan(table), None))

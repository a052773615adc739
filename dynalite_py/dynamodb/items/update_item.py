"""UpdateItem: change attributes of one item (creating it when absent) with
an UpdateExpression (or legacy AttributeUpdates), optionally under a
condition. The new item is built by updates.ItemUpdate and the write planned
by writes.plan_update, both shared with TransactWriteItems' Update."""
from __future__ import annotations

from ...protocol.validation import ShapeRules
from .updates import UPDATE_EXPRESSIONS
from .writes import KeyedWrite, StagedWrite, enveloped_checks, perform, plan_update

NAME = "UpdateItem"
READ_ONLY = False
# DynamoDB's member order in messages (dynalite's declarations and tests).
SHAPE_RULES = ShapeRules(member_order={"UpdateItemInput": (
    "ReturnConsumedCapacity", "TableName", "ReturnItemCollectionMetrics", "ReturnValues",
    "Key", "ConditionalOperator", "Expected", "AttributeUpdates", "ConditionExpression",
    "UpdateExpression", "ExpressionAttributeValues", "ExpressionAttributeNames")})
LEGACY = ["AttributeUpdates", "Expected", "ConditionalOperator"]


def run(engine, request: dict) -> dict:
    return perform(stage(engine, request))


def stage(engine, request: dict) -> StagedWrite:
    with enveloped_checks():
        update = KeyedWrite.check(request, UPDATE_EXPRESSIONS, LEGACY)
    return StagedWrite(engine, request, lambda table: plan_update(update, table, standalone=True))

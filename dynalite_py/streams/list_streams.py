"""ListStreams (DynamoDB Streams): every stream, optionally of one table."""
from __future__ import annotations

from ..errors import validation_error
from ..protocol.validation import ShapeRules
from . import log as streams

NAME = "ListStreams"
READ_ONLY = True
DEFAULT_LIMIT = 100
# "The upper limit is 100" (the API reference), which botocore's model omits.
SHAPE_RULES = ShapeRules(
    member_overrides={("ListStreamsInput", "Limit"): {"min": 1, "max": DEFAULT_LIMIT}})


def run(engine, request: dict) -> dict:
    start = request.get("ExclusiveStartStreamArn")
    if start is not None:
        streams.check_stream_arn(start)
    with engine.store.read() as txn:
        found = engine.repos.streams.streams(txn)
    table_name = request.get("TableName")
    listed = [{"StreamArn": s["StreamArn"], "TableName": s["TableName"],
               "StreamLabel": s["StreamLabel"]}
              for s in found if table_name is None or s["TableName"] == table_name]
    if start is not None:
        arns = [entry["StreamArn"] for entry in listed]
        if start not in arns:
            raise validation_error(f"Invalid ExclusiveStartStreamArn: {start}")
        listed = listed[arns.index(start) + 1:]
    limit = request.get("Limit") or DEFAULT_LIMIT
    response: dict = {"Streams": listed[:limit]}
    if len(listed) > limit:
        response["LastEvaluatedStreamArn"] = listed[limit - 1]["StreamArn"]
    return response

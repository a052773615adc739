"""DescribeStream (DynamoDB Streams): a stream and its shards, paged."""
from __future__ import annotations

from ..protocol.validation import ShapeRules
from . import log as streams

NAME = "DescribeStream"
READ_ONLY = True
DEFAULT_LIMIT = 100
# "The upper limit is 100" (the API reference), which botocore's model omits.
SHAPE_RULES = ShapeRules(
    member_overrides={("DescribeStreamInput", "Limit"): {"min": 1, "max": DEFAULT_LIMIT}})


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        stream = streams.find_stream(txn, engine.repos.streams, request["StreamArn"])
    shards = stream["shards"]
    shard_filter = request.get("ShardFilter")
    if shard_filter and shard_filter.get("Type") == "CHILD_SHARDS":
        shards = [shard for shard in shards if shard["parent"] == shard_filter.get("ShardId")]
    start = request.get("ExclusiveStartShardId")
    if start is not None:
        shards = [shard for shard in shards if shard["ShardId"] > start]
    limit = request.get("Limit") or DEFAULT_LIMIT
    page = shards[:limit]
    description = {
        "StreamArn": stream["StreamArn"], "StreamLabel": stream["StreamLabel"],
        "StreamStatus": stream["StreamStatus"], "StreamViewType": stream["StreamViewType"],
        "CreationRequestDateTime": stream["CreationRequestDateTime"],
        "TableName": stream["TableName"], "KeySchema": stream["KeySchema"],
        "Shards": [streams.shard_description(shard) for shard in page],
    }
    if len(shards) > limit:
        description["LastEvaluatedShardId"] = page[-1]["ShardId"]
    return {"StreamDescription": description}

"""A table's live stream: its newest records, read through DynamoDB
Streams' own DescribeStream, GetShardIterator and GetRecords; the page
reloads itself every few seconds while live (no script: a meta refresh)."""
from __future__ import annotations

from dynalite_py.engine import Engine
from dynalite_py.errors import DynamoError

from .pages import Inputs, Page, compact, error_text

STREAMS = "dynamodbstreams"
SHOWN = 100
# GetRecords calls per shard at most (1000 records each): a page of a
# stream with more records than this shows the newest of those read
READS_PER_SHARD = 20
REFRESH_SECONDS = 2


def shards(engine: Engine, arn: str) -> list[dict]:
    found, request = [], {"StreamArn": arn}
    while True:
        described = engine.call("DescribeStream", request, STREAMS)["StreamDescription"]
        found += described["Shards"]
        if "LastEvaluatedShardId" not in described:
            return found
        request["ExclusiveStartShardId"] = described["LastEvaluatedShardId"]


def shard_records(engine: Engine, arn: str, shard_id: str) -> list[dict]:
    iterator = engine.call("GetShardIterator", {
        "StreamArn": arn, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"},
        STREAMS)["ShardIterator"]
    found: list[dict] = []
    for _ in range(READS_PER_SHARD):
        page = engine.call("GetRecords", {"ShardIterator": iterator}, STREAMS)
        found += page["Records"]
        iterator = page.get("NextShardIterator")
        if not page["Records"] or not iterator:
            break
    return found


def shown(record: dict) -> dict:
    change = record["dynamodb"]
    return {"event": record["eventName"], "sequence": change["SequenceNumber"],
            "time": change.get("ApproximateCreationDateTime"),
            "key": compact(change.get("Keys", {})),
            "old": compact(change["OldImage"]) if "OldImage" in change else "",
            "new": compact(change["NewImage"]) if "NewImage" in change else ""}


def records(engine: Engine, inputs: Inputs) -> Page:
    table = inputs.path["table"]
    live = inputs.query.get("live", "1") == "1"
    context = {"table": table, "live": live, "refresh": REFRESH_SECONDS, "records": [],
               "arn": None, "error": None, "shown": SHOWN}
    try:
        arn = engine.call("DescribeTable", {"TableName": table})["Table"].get("LatestStreamArn")
        found = [record for shard in shards(engine, arn)
                 for record in shard_records(engine, arn, shard["ShardId"])] if arn else []
    except DynamoError as error:
        return Page("stream.html", {**context, "error": error_text(error)}, error.status)
    # sequence numbers are decimal strings, rising across a stream's shards
    found.sort(key=lambda record: int(record["dynamodb"]["SequenceNumber"]), reverse=True)
    return Page("stream.html", {**context, "arn": arn,
                                "records": [shown(record) for record in found[:SHOWN]]})

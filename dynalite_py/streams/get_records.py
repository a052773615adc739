"""GetRecords (DynamoDB Streams): records from an iterator's position on."""
from __future__ import annotations

from ..errors import resource_not_found
from ..protocol.validation import ShapeRules
from . import log as streams

NAME = "GetRecords"
READ_ONLY = True
MAX_LIMIT = 1000
# "The upper limit is 1000" (the API reference), which botocore's model omits.
SHAPE_RULES = ShapeRules(
    member_overrides={("GetRecordsInput", "Limit"): {"min": 1, "max": MAX_LIMIT}})


def run(engine, request: dict) -> dict:
    arn, shard_id, position, issued = streams.decode_iterator(request["ShardIterator"])
    now = engine.clock()
    if now - issued > streams.ITERATOR_LIFETIME:
        raise streams.expired_iterator()
    store = engine.store
    with store.read() as txn:
        log = engine.repos.streams
        stream = streams.find_stream(txn, log, arn)
        shard = next((s for s in stream["shards"] if s["ShardId"] == shard_id), None)
        if shard is None:  # the words DynamoDB Streams uses (formkiq/formkiq-core#524)
            raise resource_not_found("Invalid ShardId in ShardIterator")
        if position < stream["trimmed_before"]:
            raise streams.trimmed_data()
        records, position = streams.read_records(txn, log, stream["number"], position,
                                                 shard["end"], request.get("Limit") or MAX_LIMIT)
    response: dict = {"Records": records}
    if shard["end"] is None or position <= shard["end"]:
        response["NextShardIterator"] = streams.encode_iterator(arn, shard_id, position, now)
    return response

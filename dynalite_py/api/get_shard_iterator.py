"""GetShardIterator (DynamoDB Streams): a position in a shard, valid 15 minutes."""
from __future__ import annotations

from .. import streams
from ..errors import resource_not_found, validation_error

NAME = "GetShardIterator"
SERVICE = "dynamodbstreams"
READ_ONLY = True
SEQUENCE_TYPES = ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")


def run(engine, request: dict) -> dict:
    iterator_type = request["ShardIteratorType"]
    sequence_text = request.get("SequenceNumber")
    if iterator_type in SEQUENCE_TYPES and sequence_text is None:
        raise validation_error(f"Must provide SequenceNumber for ShardIteratorType {iterator_type}")
    if iterator_type not in SEQUENCE_TYPES and sequence_text is not None:
        raise validation_error(
            f"Must not provide SequenceNumber for ShardIteratorType {iterator_type}")
    timestamp = request.get("Timestamp")
    if iterator_type == "AT_TIMESTAMP":  # worded as the SequenceNumber rules above
        if timestamp is None:
            raise validation_error("Must provide Timestamp for ShardIteratorType AT_TIMESTAMP")
        if timestamp > engine.clock():  # the model's documentation: a ValidationException
            raise validation_error(f"The Timestamp {timestamp} is in the future")
    store = engine.store
    with store.read() as txn:
        stream = streams.find_stream(txn, engine.repos.streams, request["StreamArn"])
        shard = next((s for s in stream["shards"] if s["ShardId"] == request["ShardId"]), None)
        if shard is None:
            raise resource_not_found(f"Requested resource not found: Shard: {request['ShardId']} "
                                     f"in Stream: {stream['StreamArn']} not found")
        last = streams.last_sequence(txn, engine.repos.streams, stream["number"])
        if iterator_type == "AT_TIMESTAMP":
            position = streams.first_at_or_after(txn, engine.repos.streams, stream["number"],
                                                 shard, last,
                                                 max(shard["start"], stream["trimmed_before"]),
                                                 timestamp)
        else:
            position = _position(iterator_type, sequence_text, shard, stream, last)
    iterator = streams.encode_iterator(stream["StreamArn"], shard["ShardId"], position,
                                       engine.clock())
    return {"ShardIterator": iterator}


def _position(iterator_type: str, sequence_text: str | None, shard: dict, stream: dict,
              last: int) -> int:
    """The first sequence number the iterator will read."""
    if iterator_type == "TRIM_HORIZON":
        return max(shard["start"], stream["trimmed_before"])
    if iterator_type == "LATEST":
        end = shard["end"] if shard["end"] is not None else last
        return max(end + 1, shard["start"])
    if not sequence_text.isdigit():
        raise validation_error(f"Invalid SequenceNumber: {sequence_text}")
    sequence = int(sequence_text)
    if sequence < stream["trimmed_before"]:
        raise streams.trimmed_data()
    return sequence if iterator_type == "AT_SEQUENCE_NUMBER" else sequence + 1

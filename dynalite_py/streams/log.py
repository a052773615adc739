"""DynamoDB Streams machinery: streams, shards, records, iterators, trimming.

Storage (the stream log, storage/streams.py), per stream number:
  the stream record   ARN, label, view type, status, key schema, shards
  the head            [last sequence number, open shard index, its creation time]
  change records      by sequence number: [creation time, event ID, event name,
                      region, view type, size, keys, old image, new image, user
                      identity]; images as the item values were stored
                      (StoredItem.raw), or None

A record is written by `emit_change` inside the same write transaction as
the item change it describes (ItemWriter.commit calls it,
dynamodb/items/items.py), so it is never lost and never duplicated. Sequence
numbers increase strictly per stream, hence per shard. One shard is open at
a time; when it is older than the configured rollover period the next write
closes it (EndingSequenceNumber) and opens a child (ParentShardId), so
consumers can test shard lineage. Records older than the retention period
are trimmed by `trim_stream`.
"""
from __future__ import annotations

import base64
import math
import os
from datetime import datetime, timezone
from typing import NamedTuple

import orjson

from ..errors import DynamoError, resource_not_found, validation_error
from ..model.values import item_size
from ..storage.codec import unpack
from ..storage.interface import Handle, WriteContext
from ..storage.items import StoredItem
from ..storage.streams import StreamLog

EVENT_VERSION = "1.1"
SEQUENCE_DIGITS = 21
ITERATOR_LIFETIME = 15 * 60
MAX_RECORDS_BYTES = 1024 * 1024
# GetRecords spells the members as botocore's model does (Lambda events use
# lower-case "type"/"principalId"; the trigger bridge converts).
TTL_IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
def render_sequence(sequence: int) -> str:
    return f"{sequence:0{SEQUENCE_DIGITS}d}"


def shard_id(created: float) -> str:
    """AWS's form: shardId-<20-digit epoch ms>-<8 hex>; lexical = creation order."""
    return f"shardId-{int(created * 1000):020d}-{os.urandom(4).hex()}"


def stream_label(timestamp: float) -> str:
    """A stream label as DynamoDB writes it: the creation time, ISO 8601 in ms."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


# Lifecycle ------------------------------------------------------------------
def create_stream(ctx: WriteContext, log: StreamLog, number: int, table_name: str,
                  table_arn: str, key_schema: list, view_type: str, now: float) -> dict:
    label = stream_label(now)
    stream = {"number": number, "StreamArn": f"{table_arn}/stream/{label}",
              "StreamLabel": label, "TableName": table_name, "StreamStatus": "ENABLED",
              "StreamViewType": view_type, "CreationRequestDateTime": now,
              "KeySchema": key_schema,
              "shards": [{"ShardId": shard_id(now), "start": 1, "end": None, "parent": None}],
              "trimmed_before": 1}
    log.put_stream(ctx.txn, stream)
    log.put_head(ctx.txn, number, [0, 0, now])
    return stream


def disable_stream(ctx: WriteContext, log: StreamLog, number: int) -> None:
    """Close the open shard; the stream stays readable until its records expire."""
    stream = log.stream(ctx.txn, number)
    last = log.head(ctx.txn, number)[0]
    open_shard = stream["shards"][-1]
    if open_shard["end"] is None:
        open_shard["end"] = last
    stream["StreamStatus"] = "DISABLED"
    log.put_stream(ctx.txn, stream)


def find_stream(txn: Handle, log: StreamLog, arn: str) -> dict:
    """The stream with this ARN, or DynamoDB Streams' errors."""
    check_stream_arn(arn)
    for stream in log.streams(txn):
        if stream["StreamArn"] == arn:
            return stream
    raise resource_not_found(f"Requested resource not found: Stream: {arn} not found")


def check_stream_arn(arn: str) -> None:
    parts = arn.split(":", 5)
    if (len(parts) != 6 or parts[0] != "arn" or parts[2] != "dynamodb"
            or "/stream/" not in parts[5] or not parts[5].startswith("table/")):
        raise validation_error(f"Invalid StreamArn: {arn}")


# Emission (inside an item write) -------------------------------------------
def emit_change(ctx: WriteContext, log: StreamLog, stream_number: int, view_type: str,
                region: str, keys: dict, old_raw: bytes | None, new_raw: bytes | None,
                sizes: tuple[int, int], now: float, rollover: float,
                user_identity: dict | None = None) -> None:
    """Append the stream record of one item change. `old_raw` and `new_raw`
    are the item values as stored (StoredItem.raw, None when absent)
    and `sizes` their item sizes: the record keeps the images the view type
    asks for as they are, so writing one neither decodes nor re-encodes an
    item."""
    event = "INSERT" if old_raw is None else "REMOVE" if new_raw is None else "MODIFY"
    sequence = _next_sequence(ctx, log, stream_number, now, rollover)
    size = item_size(keys)
    if new_raw is not None and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        size += sizes[1]
    else:
        new_raw = None
    if old_raw is not None and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        size += sizes[0]
    else:
        old_raw = None
    log.append(ctx.txn, stream_number, sequence,
               [now, os.urandom(16).hex(), event, region, view_type, max(1, size), keys,
                old_raw, new_raw, user_identity])
    ctx.streamed = True  # the bridge is woken after the commit


def _record(value: bytes, sequence: int) -> dict:
    """The stream record (GetRecords' shape) a stored value describes."""
    stored = unpack(value)
    if len(stored) == 2:  # [creation time, whole record]: written by earlier builds
        return stored[1]
    change = Change(*stored)
    body = {"ApproximateCreationDateTime": math.floor(change.created), "Keys": change.keys}
    if change.new_raw is not None:
        body["NewImage"] = StoredItem(change.new_raw).item
    if change.old_raw is not None:
        body["OldImage"] = StoredItem(change.old_raw).item
    body.update(SequenceNumber=render_sequence(sequence), SizeBytes=change.size,
                StreamViewType=change.view_type)
    record = {"eventID": change.event_id, "eventName": change.event,
              "eventVersion": EVENT_VERSION, "eventSource": "aws:dynamodb",
              "awsRegion": change.region, "dynamodb": body}
    if change.user_identity is not None:
        record["userIdentity"] = change.user_identity
    return record


class Change(NamedTuple):
    """A stored change record's fields (emit_change writes them)."""
    created: float
    event_id: str
    event: str
    region: str
    view_type: str
    size: int
    keys: dict
    old_raw: bytes | None
    new_raw: bytes | None
    user_identity: dict | None


def read_changes(txn: Handle, log: StreamLog, number: int, start: int,
                 limit: int) -> list[tuple[int, Change]]:
    """(sequence, change) of up to `limit` records from `start` on, as
    stored (a Kinesis change log's, dynamodb/kinesis/capture.py)."""
    changes = []
    for sequence, value in log.records(txn, number, start):
        changes.append((sequence, Change(*unpack(value))))
        if len(changes) >= limit:
            break
    return changes


def _next_sequence(ctx: WriteContext, log: StreamLog, number: int, now: float,
                   rollover: float) -> int:
    last, shard_index, shard_created = log.head(ctx.txn, number)
    sequence = last + 1
    if now - shard_created >= rollover and last > 0:
        _roll_over(ctx, log, number, last, now)
        shard_index, shard_created = shard_index + 1, now
    log.put_head(ctx.txn, number, [sequence, shard_index, shard_created])
    return sequence


def _roll_over(ctx: WriteContext, log: StreamLog, number: int, last: int, now: float) -> None:
    stream = log.stream(ctx.txn, number)
    parent = stream["shards"][-1]
    parent["end"] = last
    stream["shards"].append({"ShardId": shard_id(now), "start": last + 1, "end": None,
                             "parent": parent["ShardId"]})
    log.put_stream(ctx.txn, stream)


# Reading ----------------------------------------------------------------------
def last_sequence(txn: Handle, log: StreamLog, number: int) -> int:
    return log.head(txn, number)[0]


def read_records(txn: Handle, log: StreamLog, number: int, start: int, end: int | None,
                 limit: int) -> tuple[list[dict], int]:
    """Records with start <= seq <= end (end None: open), at most `limit`
    and about 1 MB; returns them and the next position to read."""
    records: list[dict] = []
    position = start
    total = 0
    for sequence, value in log.records(txn, number, start):
        if end is not None and sequence > end:
            break
        record = _record(value, sequence)
        records.append(record)
        total += record["dynamodb"]["SizeBytes"]
        position = sequence + 1
        if len(records) >= limit or total >= MAX_RECORDS_BYTES:
            break
    return records, position


def first_at_or_after(txn: Handle, log: StreamLog, number: int, shard: dict, last: int,
                      start: int, timestamp: float) -> int:
    """The position of a shard's first record created at or after `timestamp`
    (AT_TIMESTAMP), reading from `start`; past the shard's end if none is."""
    end = shard["end"] if shard["end"] is not None else last
    for sequence, value in log.records(txn, number, start):
        if sequence > end:
            break
        if unpack(value)[0] >= timestamp:
            return sequence
    return max(end + 1, shard["start"])


def trim_stream(ctx: WriteContext, log: StreamLog, number: int, cutoff: float) -> int:
    """Delete records created before `cutoff`; return how many went."""
    removed, trimmed_before = log.trim(ctx.txn, number, cutoff)
    if trimmed_before is not None:
        stream = log.stream(ctx.txn, number)
        stream["trimmed_before"] = trimmed_before
        log.put_stream(ctx.txn, stream)
    return removed


# Iterators --------------------------------------------------------------------
def encode_iterator(stream_arn: str, shard: str, position: int, issued: float) -> str:
    opaque = base64.b64encode(orjson.dumps([shard, position, issued])).decode()
    return f"{stream_arn}|1|{opaque}"


def decode_iterator(iterator: str) -> tuple[str, str, int, float]:
    """(stream ARN, shard id, position, issue time) or ValidationException."""
    try:
        arn, version, opaque = iterator.rsplit("|", 2)
        shard, position, issued = orjson.loads(base64.b64decode(opaque, validate=True))
        if version != "1" or not isinstance(position, int) or not isinstance(shard, str):
            raise ValueError(iterator)
        return arn, shard, position, float(issued)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise validation_error("Invalid ShardIterator") from None


def expired_iterator() -> DynamoError:
    # AWS's text, as a DynamoDB Streams answer quoted in
    # spring-attic/spring-integration-aws#59 shows it
    return DynamoError("ExpiredIteratorException", "Shard iterator has expired")


def trimmed_data() -> DynamoError:
    return DynamoError("TrimmedDataAccessException",
                       "The data you are trying to access has been trimmed.")


def shard_description(shard: dict) -> dict:
    sequence_range = {"StartingSequenceNumber": render_sequence(shard["start"])}
    if shard["end"] is not None:
        sequence_range["EndingSequenceNumber"] = render_sequence(shard["end"])
    description = {"ShardId": shard["ShardId"], "SequenceNumberRange": sequence_range}
    if shard["parent"]:
        description["ParentShardId"] = shard["parent"]
    return description

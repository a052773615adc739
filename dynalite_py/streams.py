"""DynamoDB Streams machinery: streams, shards, records, iterators, trimming.

Storage (LMDB database "streams"):
  b"S" + stream number (4)            -> msgpack stream record (ARN, label,
                                         view type, status, key schema, shards)
  b"H" + stream number (4)            -> msgpack head [last sequence number,
                                         open shard index, its creation time]
  b"R" + stream number (4) + seq (8)  -> msgpack [creation time, event ID, event
                                         name, region, view type, size, keys,
                                         old image, new image, user identity];
                                         images as the item values were stored
                                         (msgpack [size, item] bytes), or None

A record is written by `emit_change` inside the same write transaction as
the item change it describes (items.write_item calls it), so it is never
lost and never duplicated. Sequence numbers increase strictly per stream,
hence per shard. One shard is open at a time; when it is older than the
configured rollover period the next write closes it (EndingSequenceNumber)
and opens a child (ParentShardId), so consumers can test shard lineage.
Records older than the retention period are trimmed by `trim_stream`.
"""
from __future__ import annotations

import base64
import math
import os
import struct
from datetime import datetime, timezone

import orjson

from .errors import DynamoError, resource_not_found, validation_error
from .model.values import item_size
from .storage.codec import pack, unpack
from .storage.interface import Store, WriteContext

EVENT_VERSION = "1.1"
SEQUENCE_DIGITS = 21
ITERATOR_LIFETIME = 15 * 60
MAX_RECORDS_BYTES = 1024 * 1024
# GetRecords spells the members as botocore's model does (Lambda events use
# lower-case "type"/"principalId"; the trigger bridge converts).
TTL_IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
_SEQ = struct.Struct(">Q")


def stream_key(number: int) -> bytes:
    return b"S" + number.to_bytes(4, "big")


def head_key(number: int) -> bytes:
    return b"H" + number.to_bytes(4, "big")


def record_key(number: int, sequence: int) -> bytes:
    return b"R" + number.to_bytes(4, "big") + _SEQ.pack(sequence)


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
def create_stream(ctx: WriteContext, store: Store, number: int, table_name: str,
                  table_arn: str, key_schema: list, view_type: str, now: float) -> dict:
    label = stream_label(now)
    stream = {"number": number, "StreamArn": f"{table_arn}/stream/{label}",
              "StreamLabel": label, "TableName": table_name, "StreamStatus": "ENABLED",
              "StreamViewType": view_type, "CreationRequestDateTime": now,
              "KeySchema": key_schema,
              "shards": [{"ShardId": shard_id(now), "start": 1, "end": None, "parent": None}],
              "trimmed_before": 1}
    ctx.txn.put(stream_key(number), pack(stream), db=store.streams)
    ctx.txn.put(head_key(number), pack([0, 0, now]), db=store.streams)
    return stream


def disable_stream(ctx: WriteContext, store: Store, number: int) -> None:
    """Close the open shard; the stream stays readable until its records expire."""
    stream = load_stream(ctx.txn, store, number)
    last, _, _ = unpack(ctx.txn.get(head_key(number), db=store.streams))
    open_shard = stream["shards"][-1]
    if open_shard["end"] is None:
        open_shard["end"] = last
    stream["StreamStatus"] = "DISABLED"
    ctx.txn.put(stream_key(number), pack(stream), db=store.streams)


def load_stream(txn, store: Store, number: int) -> dict:
    return unpack(txn.get(stream_key(number), db=store.streams))


def all_streams(txn, store: Store) -> list[dict]:
    cursor = txn.cursor(db=store.streams)
    streams = []
    if cursor.set_range(b"S"):
        for key, value in cursor:
            if not key.startswith(b"S"):
                break
            streams.append(unpack(value))
    return streams


def find_stream(txn, store: Store, arn: str) -> dict:
    """The stream with this ARN, or DynamoDB Streams' errors."""
    check_stream_arn(arn)
    for stream in all_streams(txn, store):
        if stream["StreamArn"] == arn:
            return stream
    raise resource_not_found(f"Requested resource not found: Stream: {arn} not found")


def check_stream_arn(arn: str) -> None:
    parts = arn.split(":", 5)
    if (len(parts) != 6 or parts[0] != "arn" or parts[2] != "dynamodb"
            or "/stream/" not in parts[5] or not parts[5].startswith("table/")):
        raise validation_error(f"Invalid StreamArn: {arn}")


# Emission (inside an item write) -------------------------------------------
def emit_change(ctx: WriteContext, store: Store, stream_number: int, view_type: str,
                region: str, keys: dict, old_raw: bytes | None, new_raw: bytes | None,
                sizes: tuple[int, int], now: float, rollover: float,
                user_identity: dict | None = None) -> None:
    """Append the stream record of one item change. `old_raw` and `new_raw`
    are the item values as stored (msgpack [size, item], None when absent)
    and `sizes` their item sizes: the record keeps the images the view type
    asks for as they are, so writing one neither decodes nor re-encodes an
    item."""
    event = "INSERT" if old_raw is None else "REMOVE" if new_raw is None else "MODIFY"
    sequence = _next_sequence(ctx, store, stream_number, now, rollover)
    size = item_size(keys)
    if new_raw is not None and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        size += sizes[1]
    else:
        new_raw = None
    if old_raw is not None and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        size += sizes[0]
    else:
        old_raw = None
    ctx.txn.put(record_key(stream_number, sequence),
                pack([now, os.urandom(16).hex(), event, region, view_type, max(1, size), keys,
                      old_raw, new_raw, user_identity]),
                db=store.streams)
    ctx.streamed = True  # the bridge is woken after the commit


def _record(value: bytes, sequence: int) -> dict:
    """The stream record (GetRecords' shape) a stored value describes."""
    stored = unpack(value)
    if len(stored) == 2:  # [creation time, whole record]: written by earlier builds
        return stored[1]
    (created, event_id, event, region, view_type, size, keys, old_raw, new_raw,
     user_identity) = stored
    body = {"ApproximateCreationDateTime": math.floor(created), "Keys": keys}
    if new_raw is not None:
        body["NewImage"] = unpack(new_raw)[1]
    if old_raw is not None:
        body["OldImage"] = unpack(old_raw)[1]
    body.update(SequenceNumber=render_sequence(sequence), SizeBytes=size,
                StreamViewType=view_type)
    record = {"eventID": event_id, "eventName": event, "eventVersion": EVENT_VERSION,
              "eventSource": "aws:dynamodb", "awsRegion": region, "dynamodb": body}
    if user_identity is not None:
        record["userIdentity"] = user_identity
    return record


def _next_sequence(ctx: WriteContext, store: Store, number: int, now: float,
                   rollover: float) -> int:
    last, shard_index, shard_created = unpack(ctx.txn.get(head_key(number), db=store.streams))
    sequence = last + 1
    if now - shard_created >= rollover and last > 0:
        _roll_over(ctx, store, number, last, now)
        shard_index, shard_created = shard_index + 1, now
    ctx.txn.put(head_key(number), pack([sequence, shard_index, shard_created]), db=store.streams)
    return sequence


def _roll_over(ctx: WriteContext, store: Store, number: int, last: int, now: float) -> None:
    stream = load_stream(ctx.txn, store, number)
    parent = stream["shards"][-1]
    parent["end"] = last
    stream["shards"].append({"ShardId": shard_id(now), "start": last + 1, "end": None,
                             "parent": parent["ShardId"]})
    ctx.txn.put(stream_key(number), pack(stream), db=store.streams)


# Reading ----------------------------------------------------------------------
def last_sequence(txn, store: Store, number: int) -> int:
    return unpack(txn.get(head_key(number), db=store.streams))[0]


def read_records(txn, store: Store, number: int, start: int, end: int | None,
                 limit: int) -> tuple[list[dict], int]:
    """Records with start <= seq <= end (end None: open), at most `limit`
    and about 1 MB; returns them and the next position to read."""
    cursor = txn.cursor(db=store.streams)
    records: list[dict] = []
    position = start
    total = 0
    prefix = b"R" + number.to_bytes(4, "big")
    if not cursor.set_range(record_key(number, start)):
        return records, position
    for key, value in cursor:
        if not key.startswith(prefix):
            break
        sequence = _SEQ.unpack(key[5:])[0]
        if end is not None and sequence > end:
            break
        record = _record(value, sequence)
        records.append(record)
        total += record["dynamodb"]["SizeBytes"]
        position = sequence + 1
        if len(records) >= limit or total >= MAX_RECORDS_BYTES:
            break
    return records, position


def trim_stream(ctx: WriteContext, store: Store, number: int, cutoff: float) -> int:
    """Delete records created before `cutoff`; return how many went."""
    cursor = ctx.txn.cursor(db=store.streams)
    prefix = b"R" + number.to_bytes(4, "big")
    removed = 0
    trimmed_before = None
    if cursor.set_range(prefix):
        while cursor.key().startswith(prefix):
            created = unpack(cursor.value())[0]
            if created >= cutoff:
                break
            trimmed_before = _SEQ.unpack(cursor.key()[5:])[0] + 1
            removed += 1
            if not cursor.delete():
                break
    if trimmed_before is not None:
        stream = load_stream(ctx.txn, store, number)
        stream["trimmed_before"] = trimmed_before
        ctx.txn.put(stream_key(number), pack(stream), db=store.streams)
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
    return DynamoError("ExpiredIteratorException",
                       "The provided iterator exceeds the maximum age allowed.")


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

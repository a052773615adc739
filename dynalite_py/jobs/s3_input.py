"""Reading items from S3 objects: what ImportTable (jobs/imports.py) and
StartBulkPutItems (jobs/bulk_puts.py) share.

`objects` lists and fetches every object under a prefix in key order,
`decompressed` undoes InputCompressionType, and `records` splits an
object's text into numbered records: a DYNAMODB_JSON line is one JSON
object, an ION line one Ion struct (its Item mapped to DynamoDB's wire
form by dynamodb/exports/ion_format.py). A line that does not parse comes
back as the message saying why, so the caller counts it and goes on.
"""
from __future__ import annotations

import gzip
import io
from collections.abc import Iterator, Mapping

import orjson
import zstandard

from ..dynamodb.exports.ion_format import NotAnItem, ion_records, item_of_ion
from ..dynamodb.exports.s3 import S3Failure, s3_failure

NOT_JSON = "Unexpected token: the line is not DynamoDB JSON"
NOT_ION = "Unexpected token: the line is not Amazon Ion"
NO_ITEM = "Unexpected line: no Item"


class NotDecompressible(Exception):
    """An object is not compressed as InputCompressionType says: the job
    FAILS (as it does on AWS) rather than counting each line an error."""

    code = "InvalidCompression"  # UNCERTAIN: AWS's FailureCode for this is not documented

    def __init__(self, key: str, compression: str, why: str) -> None:
        self.message = f"The object {key} could not be decompressed as {compression}: {why}"
        super().__init__(self.message)


def objects(client, bucket: str, prefix: str, config, resume_key: str = ""
            ) -> Iterator[tuple[str, bytes]]:
    """(key, body) of every object under the prefix, in key order, from
    `resume_key` on (S3 lists keys in that order)."""
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for entry in page.get("Contents", ()):
                if not entry["Key"].endswith("/") and entry["Key"] >= resume_key:
                    yield entry["Key"], client.get_object(
                        Bucket=bucket, Key=entry["Key"])["Body"].read()
    except S3Failure:
        raise
    except Exception as error:
        raise s3_failure(error, config) from error


def total_size(client, bucket: str, prefix: str, config) -> int:
    """The bytes of every object under the prefix (before decompression)."""
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sum(entry["Size"] for page in pages for entry in page.get("Contents", ())
                   if not entry["Key"].endswith("/"))
    except Exception as error:
        raise s3_failure(error, config) from error


def decompressed(key: str, body: bytes, compression: str) -> bytes:
    """An object's bytes as InputCompressionType says to read them."""
    try:
        if compression == "GZIP":
            return gzip.decompress(body)
        if compression == "ZSTD":
            # frames need not record their size, and an object may hold several
            return zstandard.ZstdDecompressor().stream_reader(
                io.BytesIO(body), read_across_frames=True).read()
    except (OSError, EOFError, zstandard.ZstdError) as error:
        raise NotDecompressible(key, compression, str(error)) from None
    return body


def records(text: str, input_format: str) -> Iterator[tuple[int, dict | str]]:
    """(line number, record or why the line is not one) of each line of a
    DYNAMODB_JSON or ION object; a record's Item is in DynamoDB's wire form."""
    record_of_line = ion_record if input_format == "ION" else json_record
    # lines end at "\n" only: JSON and Ion strings may hold other line separators
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            record = record_of_line(line)
            if record is not None:
                yield number, record


def json_record(line: str) -> dict | str:
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError:
        return NOT_JSON
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Item"), dict):
        return NO_ITEM
    return parsed


def ion_record(line: str) -> dict | str | None:
    """The record of an Ion line, its Item and any other struct (such as
    ExpressionAttributeValues) in wire form; None for a line holding only
    the version marker."""
    try:
        values = ion_records(line)
        if not values:
            return None
        if len(values) != 1 or not isinstance(values[0], Mapping) or "Item" not in values[0]:
            return NO_ITEM
        return {str(name): _ion_field(str(name), value) for name, value in values[0].items()}
    except NotAnItem as error:
        return str(error)
    except Exception:  # amazon.ion's parse errors have no common class
        return NOT_ION


def _ion_field(name: str, value):
    """A record's field from Ion: names stay text; Item, and any struct of
    values (ExpressionAttributeValues), become wire-form attribute maps."""
    if name == "ExpressionAttributeNames" and isinstance(value, Mapping):
        return {str(key): str(text) for key, text in value.items()}
    if isinstance(value, Mapping):
        return item_of_ion(value)
    return str(value)

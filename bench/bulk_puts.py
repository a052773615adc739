"""Loading a table from S3, embedded: StartBulkPutItems against
BatchWriteItem and ImportTable.

    python -m bench.bulk_puts [--items 20000] [--objects 4] [--rounds 2]
                              [--backend lmdb|memory] [--s3-endpoint URL]

Writes `items` items (~200 bytes each) as `objects` gzipped DYNAMODB_JSON
objects to an S3 endpoint (moto's server, started on a loopback port from
the test extra's moto_server unless --s3-endpoint names one), then times,
best of `rounds`:

1. BatchWriteItem, 25 items a call, from the same items in memory: the
   baseline, what a loader does without S3;
2. StartBulkPutItems into an existing empty table, from the start request
   to COMPLETED (reading S3, parsing, and writing as PutItem would);
3. the same with every record conditional (attribute_not_exists(pk));
4. ImportTable into a new table, from the request to COMPLETED.

Prints items/s, each as a ratio of the baseline's rate.
"""
from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import boto3
import orjson

import dynalite_py

from .load import free_port, stop_process

KEY = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
       "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
       "BillingMode": "PAY_PER_REQUEST"}
CREDENTIALS = {"aws_access_key_id": "any", "aws_secret_access_key": "any",
               "region_name": "us-east-1"}


@contextmanager
def moto_s3(endpoint: str | None):
    """An S3 endpoint: `endpoint`, or moto's server started for the run."""
    if endpoint:
        yield endpoint
        return
    port = free_port()
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1",
         "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=url, **CREDENTIALS)
    deadline = time.time() + 30
    while True:
        try:
            client.list_buckets()
            break
        except Exception:
            if process.poll() is not None or time.time() > deadline:
                stop_process(process)
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.1)
    try:
        yield url
    finally:
        stop_process(process)


def make_items(count: int) -> list[dict]:
    return [{"pk": {"S": f"item-{i:08d}"}, "n": {"N": str(i)}, "pad": {"S": "x" * 160}}
            for i in range(count)]


def upload(s3, bucket: str, prefix: str, items: list[dict], objects: int,
           condition: str | None = None) -> None:
    per_object = -(-len(items) // objects)
    for part in range(objects):
        lines = b"".join(orjson.dumps({"Item": item, **(
            {"ConditionExpression": condition} if condition else {})}) + b"\n"
            for item in items[part * per_object:(part + 1) * per_object])
        s3.put_object(Bucket=bucket, Key=f"{prefix}part-{part:04d}.json.gz",
                      Body=gzip.compress(lines))


def new_table(engine, name: str) -> None:
    engine.call("CreateTable", {"TableName": name, **KEY})


def finished(describe, field: str) -> dict:
    while True:
        answer = describe()
        if answer[field] not in ("IN_PROGRESS", "CANCELLING"):
            return answer
        time.sleep(0.005)


def batch_writes(engine, name: str, items: list[dict]) -> float:
    started = time.perf_counter()
    for start in range(0, len(items), 25):
        engine.call("BatchWriteItem", {"RequestItems": {name: [
            {"PutRequest": {"Item": item}} for item in items[start:start + 25]]}})
    return time.perf_counter() - started


def bulk_put(engine, name: str, bucket: str, prefix: str) -> float:
    started = time.perf_counter()
    arn = engine.call("StartBulkPutItems", {
        "TableName": name, "InputS3Configuration": {
            "S3Bucket": bucket, "S3KeyPrefix": prefix, "InputFormat": "DYNAMODB_JSON",
            "InputCompressionType": "GZIP"},
        "OutputS3Configuration": {"S3Bucket": bucket, "S3KeyPrefix": "reports",
                                  "OutputType": ["ERROR"]}})[
        "BulkOperationDescription"]["BulkOperationArn"]
    done = finished(lambda: engine.call("DescribeBulkOperation", {"BulkOperationArn": arn})[
        "BulkOperationDescription"], "BulkOperationStatus")
    assert done["BulkOperationStatus"] == "COMPLETED", done
    return time.perf_counter() - started


def import_table(engine, name: str, bucket: str, prefix: str) -> float:
    started = time.perf_counter()
    arn = engine.call("ImportTable", {
        "S3BucketSource": {"S3Bucket": bucket, "S3KeyPrefix": prefix},
        "InputFormat": "DYNAMODB_JSON", "InputCompressionType": "GZIP",
        "TableCreationParameters": {"TableName": name, **KEY}})[
        "ImportTableDescription"]["ImportArn"]
    done = finished(lambda: engine.call("DescribeImport", {"ImportArn": arn})[
        "ImportTableDescription"], "ImportStatus")
    assert done["ImportStatus"] == "COMPLETED", done
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--objects", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backend", choices=("lmdb", "memory"), default="lmdb")
    parser.add_argument("--s3-endpoint", default=None)
    args = parser.parse_args(argv)
    items = make_items(args.items)
    best: dict[str, float] = {}
    with moto_s3(args.s3_endpoint) as endpoint, tempfile.TemporaryDirectory() as directory:
        s3 = boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)
        bucket = f"bench-bulk-{os.getpid()}"
        s3.create_bucket(Bucket=bucket)
        upload(s3, bucket, "plain/", items, args.objects)
        upload(s3, bucket, "conditional/", items, args.objects, "attribute_not_exists(pk)")
        where = directory if args.backend == "lmdb" else ":memory:"
        with dynalite_py.open(where, table_status_delay=0.0, s3_endpoint=endpoint) as db:
            engine = db.engine
            runs = {"BatchWriteItem": lambda name: batch_writes(engine, name, items),
                    "StartBulkPutItems": lambda name: bulk_put(engine, name, bucket, "plain/"),
                    "StartBulkPutItems, conditional": lambda name: bulk_put(
                        engine, name, bucket, "conditional/"),
                    "ImportTable": lambda name: import_table(engine, name, bucket, "plain/")}
            for number in range(args.rounds):
                for kind, (label, run) in enumerate(runs.items()):
                    name = f"bench-{number}-{kind}"
                    if label != "ImportTable":
                        new_table(engine, name)
                    seconds = run(name)
                    best[label] = min(best.get(label, seconds), seconds)
    baseline = args.items / best["BatchWriteItem"]
    print(f"{args.items} items of ~200 bytes in {args.objects} gzipped objects, "
          f"{args.backend}, embedded, best of {args.rounds}:")
    for label, seconds in best.items():
        rate = args.items / seconds
        print(f"  {label:32} {rate:10.0f} items/s  ratio {rate / baseline:.2f}")
    return {label: args.items / seconds for label, seconds in best.items()}


if __name__ == "__main__":
    main()

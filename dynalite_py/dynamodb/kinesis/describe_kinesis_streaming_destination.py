"""DescribeKinesisStreamingDestination: a table's Kinesis destinations and
their states."""
from __future__ import annotations

from .destinations import describe, kinesis_of, status_of

NAME = "DescribeKinesisStreamingDestination"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    with engine.store.read() as txn:
        table = engine.catalog.described(txn, request["TableName"])
    now, delay = engine.clock(), engine.config.table_status_delay
    return {"TableName": table.name, "KinesisDataStreamDestinations": [
        describe(arn, destination, status_of(destination, now, delay))
        for arn, destination in kinesis_of(table)["destinations"].items()]}

"""EnableKinesisStreamingDestination: start streaming a table's changes to
a Kinesis data stream (ENABLING until the delivery job finds the stream)."""
from __future__ import annotations

from ...errors import DynamoError, resource_in_use
from .capture import LIVE
from .destinations import (
    DEFAULT_PRECISION,
    MAX_LIVE_DESTINATIONS,
    destination_table,
    kinesis_of,
    put_destinations,
    status_of,
)

NAME = "EnableKinesisStreamingDestination"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    arn = request["StreamArn"]
    precision = (request.get("EnableKinesisStreamingConfiguration") or {}).get(
        "ApproximateCreationDateTimePrecision") or DEFAULT_PRECISION

    def enable(ctx):
        now = engine.clock()
        table = destination_table(engine, ctx, request, now)
        destinations = dict(kinesis_of(table)["destinations"])
        live = {name for name, destination in destinations.items()
                if status_of(destination, now, engine.config.table_status_delay) in LIVE}
        if arn in live:
            # UNCERTAIN wording: no capture of enabling a live destination again
            raise resource_in_use(
                f"Table {table.name} is already streaming to Kinesis stream {arn}")
        if len(live) >= MAX_LIVE_DESTINATIONS:
            # UNCERTAIN wording: no capture of the destinations limit
            raise DynamoError("LimitExceededException",
                              f"Table {table.name} already has {len(live)} enabled Kinesis "
                              f"streaming destination(s), the most a table may have")
        destinations[arn] = {"status": "ENABLING", "changed_at": now, "precision": precision,
                             "description": None}
        put_destinations(engine, ctx, table, destinations)
        return {"TableName": table.name, "StreamArn": arn, "DestinationStatus": "ENABLING",
                "EnableKinesisStreamingConfiguration": {
                    "ApproximateCreationDateTimePrecision": precision}}

    return engine.store.write(enable)

"""DisableKinesisStreamingDestination: stop streaming a table's changes to
a Kinesis data stream (DISABLING, then DISABLED)."""
from __future__ import annotations

from .destinations import (
    LIVE,
    destination_table,
    kinesis_of,
    not_enabled,
    put_destinations,
    status_of,
)

NAME = "DisableKinesisStreamingDestination"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    arn = request["StreamArn"]

    def disable(ctx):
        now = engine.clock()
        table = destination_table(engine, ctx, request, now)
        destinations = dict(kinesis_of(table)["destinations"])
        destination = destinations.get(arn)
        if destination is None or status_of(
                destination, now, engine.config.table_status_delay) not in LIVE:
            raise not_enabled(table, arn)
        destinations[arn] = dict(destination, status="DISABLING", changed_at=now)
        put_destinations(engine, ctx, table, destinations)
        return {"TableName": table.name, "StreamArn": arn, "DestinationStatus": "DISABLING",
                "EnableKinesisStreamingConfiguration": {
                    "ApproximateCreationDateTimePrecision": destination["precision"]}}

    return engine.store.write(disable)

"""UpdateKinesisStreamingDestination: change the timestamp precision of an
ACTIVE destination's records (UPDATING, then ACTIVE)."""
from __future__ import annotations

from ...errors import validation_error
from .destinations import (
    destination_table,
    kinesis_of,
    not_enabled,
    put_destinations,
    status_of,
)

NAME = "UpdateKinesisStreamingDestination"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    arn = request["StreamArn"]
    precision = (request.get("UpdateKinesisStreamingConfiguration") or {}).get(
        "ApproximateCreationDateTimePrecision")
    if precision is None:
        # UNCERTAIN wording: no capture of an update without a configuration
        raise validation_error("Invalid Request: UpdateKinesisStreamingConfiguration "
                               "must have ApproximateCreationDateTimePrecision")

    def update(ctx):
        now = engine.clock()
        table = destination_table(engine, ctx, request, now)
        destinations = dict(kinesis_of(table)["destinations"])
        destination = destinations.get(arn)
        if destination is None or status_of(
                destination, now, engine.config.table_status_delay) != "ACTIVE":
            raise not_enabled(table, arn)
        if destination["precision"] == precision:
            # UNCERTAIN wording: no capture of an update to the current precision
            raise validation_error(f"Invalid Request: Precision is already set to {precision}")
        destinations[arn] = dict(destination, status="UPDATING", changed_at=now,
                                 precision=precision)
        put_destinations(engine, ctx, table, destinations)
        return {"TableName": table.name, "StreamArn": arn, "DestinationStatus": "UPDATING",
                "UpdateKinesisStreamingConfiguration": {
                    "ApproximateCreationDateTimePrecision": precision}}

    return engine.store.write(update)

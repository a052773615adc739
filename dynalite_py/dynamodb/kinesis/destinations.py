"""A table's Kinesis streaming destinations, kept in its table record:

    "kinesis": {"log": change log number,
                "destinations": {stream ARN: {"status", "changed_at",
                                 "precision", "description", "start"}}}

("start": the first change log sequence number the destination is sent)

States are DynamoDB's. ENABLING lasts until the delivery job
(jobs/kinesis.py) has found the stream at the Kinesis endpoint: then
ACTIVE, or ENABLE_FAILED when the endpoint says it does not exist.
UPDATING (a new timestamp precision) and DISABLING settle by time
(table_status_delay) into ACTIVE and DISABLED, like a table's status.

While a destination is live (ENABLING, ACTIVE, UPDATING) every item write
appends a change record (both images) to the table's change log, a stream
log of its own with no stream record (so DynamoDB Streams never lists it),
in the write's transaction; the delivery job reads it from its checkpoint.
"""
from __future__ import annotations

import re

from ...errors import DynamoError, resource_in_use, validation_error
from ...storage.catalog import STREAM_NUMBERS
from ..tables.catalog import Table, table_name_from
from .capture import LIVE  # noqa: F401  (the destination operations import it from here)

DEFAULT_PRECISION = "MILLISECOND"
# UNCERTAIN: one live destination a table, as the AWS provider docs say
# ("There can only be one Kinesis streaming destination for a given table")
MAX_LIVE_DESTINATIONS = 1
_STREAM_ARN = re.compile(r"arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream/[a-zA-Z0-9_.-]{1,128}")


def kinesis_of(table: Table) -> dict:
    return table.record.get("kinesis") or {"log": None, "destinations": {}}


def status_of(destination: dict, now: float, delay: float) -> str:
    status = destination["status"]
    if status in ("UPDATING", "DISABLING") and now >= destination["changed_at"] + delay:
        return "ACTIVE" if status == "UPDATING" else "DISABLED"
    return status


def check_stream_arn(arn: str) -> None:
    if not _STREAM_ARN.fullmatch(arn):
        # UNCERTAIN wording: no capture of a malformed Kinesis stream ARN
        raise validation_error(f"Invalid StreamArn: {arn}")


def stream_name(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


def destination_table(engine, ctx, request: dict, now: float) -> Table:
    """The ACTIVE table a destination change is for (DynamoDB's not-found
    and in-use errors), after checking the stream ARN."""
    check_stream_arn(request["StreamArn"])
    return engine.catalog.require_active(ctx, table_name_from(request["TableName"]), now)


def not_enabled(table: Table, arn: str) -> DynamoError:
    # UNCERTAIN wording: no capture of a destination that is not enabled
    return resource_in_use(f"Table {table.name} is not streaming to Kinesis stream {arn}")


def put_destinations(engine, ctx, table: Table, destinations: dict) -> None:
    """Store the table's destinations, giving it a change log the first
    time; a destination being enabled is delivered changes from now on."""
    kinesis = dict(kinesis_of(table), destinations=destinations)
    log = engine.repos.streams
    if kinesis["log"] is None:
        kinesis["log"] = engine.catalog.next_number(ctx, STREAM_NUMBERS)
        log.put_head(ctx.txn, kinesis["log"], [0, 0, engine.clock()])
    for arn, destination in destinations.items():
        if "start" not in destination:
            destinations[arn] = dict(destination, start=log.head(ctx.txn, kinesis["log"])[0] + 1)
    engine.catalog.put(ctx, dict(table.record, kinesis=kinesis))


def describe(destination_arn: str, destination: dict, status: str) -> dict:
    described = {"StreamArn": destination_arn, "DestinationStatus": status,
                 "ApproximateCreationDateTimePrecision": destination["precision"]}
    if destination.get("description"):
        described["DestinationStatusDescription"] = destination["description"]
    return described

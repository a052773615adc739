"""Table settings CreateTable and UpdateTable share: stream specifications
(and making a stream the table's latest) and provisioned capacity bounds."""
from __future__ import annotations

from ...errors import invalid_parameter, validation_error
from ...storage.catalog import STREAM_NUMBERS
from ...streams import log as streams

MAX_CAPACITY_UNITS = 1_000_000_000_000


def enable_stream(ctx, engine, record: dict, view_type: str, now: float) -> None:
    """Create a new stream for the table record and make it the latest."""
    number = engine.catalog.next_number(ctx, STREAM_NUMBERS)
    stream = streams.create_stream(ctx, engine.repos.streams, number, record["TableName"],
                                   engine.catalog.table_arn(record["TableName"]),
                                   record["KeySchema"], view_type, now)
    record["stream"] = {"number": number, "view_type": view_type}
    record["LatestStreamLabel"] = stream["StreamLabel"]


def validate_stream_specification(stream: dict | None, creating: bool) -> None:
    """A stream being enabled names its view type, one being disabled does
    not; CreateTable and UpdateTable word it differently (AWS captures,
    ack-api-quirks' ValidationException catalogue)."""
    if not stream:
        return
    enabled, view_type = stream.get("StreamEnabled"), stream.get("StreamViewType")
    if enabled and not view_type:
        raise invalid_parameter(
            "Table is being created with a stream enabled, UpdateViewType is required"
            if creating else "If stream is being enabled then UpdateViewType is required")
    if not enabled and view_type:
        raise invalid_parameter(
            "Table is being created with a stream disabled, UpdateViewType should not be "
            "specified" if creating
            else "If stream is being disabled, then UpdateViewType must not be specified")


def check_index_throughput(name: str, throughput: dict | None, on_demand: bool,
                           creating: bool = False) -> None:
    """A GSI has provisioned throughput exactly when its table is provisioned
    (CreateTable and UpdateTable word a missing one differently: AWS
    captures, ack-api-quirks' ValidationException catalogue)."""
    if on_demand and throughput:
        raise invalid_parameter(f"ProvisionedThroughput should not be specified for index: "
                                f"{name} when BillingMode is PAY_PER_REQUEST")
    if not on_demand and not throughput:
        verb = "is not specified" if creating else "must be specified"
        raise invalid_parameter(f"ProvisionedThroughput {verb} for index: {name}")


def validate_capacity_bounds(throughput: dict) -> None:
    for field in ("ReadCapacityUnits", "WriteCapacityUnits"):
        if throughput[field] > MAX_CAPACITY_UNITS:
            raise validation_error(f"Given value {throughput[field]} for {field} is out of bounds")

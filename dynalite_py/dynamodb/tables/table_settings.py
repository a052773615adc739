"""Table settings stacks set, beyond keys and indexes, as CreateTable and
UpdateTable take them: TableClass, SSESpecification, OnDemandThroughput
(the on-demand maxima throttling.py enforces), WarmThroughput, and
UpdateTable's rule that most of them change alone.

Messages from AWS captures (ack-api-quirks DDB-TABLE-442's catalogue of
ValidationException texts, DDB-TABLE-456/457).
"""
from __future__ import annotations

from ...errors import invalid_parameter, validation_error

TABLE_CLASSES = ("STANDARD", "STANDARD_INFREQUENT_ACCESS")
# what DescribeTable shows of a table that never asked for more (AWS's
# initial warm throughput of a new table)
DEFAULT_WARM = {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000}
_UNITS = ("MaxReadRequestUnits", "MaxWriteRequestUnits")
# UpdateTable members that must be the request's only change, in the order
# DynamoDB reports them, with the words of its message
_ALONE = (("SSESpecification", "Server-Side Encryption modification"),
          ("TableClass", "TableClass modification"),
          ("DeletionProtectionEnabled", "DeletionProtection modification"),
          ("WarmThroughput", "WarmThroughput"))


def validate_table_class(table_class: str | None) -> None:
    if table_class is not None and table_class not in TABLE_CLASSES:
        raise validation_error("Invalid table-class parameter provided. Please try again with a "
                               "valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS].")


def validate_sse(specification: dict | None) -> None:
    if not specification:
        return
    enabled = specification.get("Enabled", False)
    if not enabled and specification.get("SSEType"):
        raise invalid_parameter("SSEType can not be specified if Enabled is false")
    if not enabled and specification.get("KMSMasterKeyId"):
        raise invalid_parameter("KMSMasterKeyId can not be specified if Enabled is false")
    if specification.get("SSEType") == "AES256":
        raise invalid_parameter("SSEType AES256 is not supported")


def validate_on_demand(maxima: dict | None, on_demand: bool, updating: bool) -> None:
    """OnDemandThroughput: only on on-demand tables, each maximum at least 1
    (or -1 on UpdateTable: no maximum)."""
    if not maxima:
        return
    for field in _UNITS:
        value = maxima.get(field)
        if value is None:
            continue
        if not on_demand:
            raise invalid_parameter(f"{field} for OnDemandThroughput cannot be specified when "
                                    "the table BillingMode is PROVISIONED")
        if value < 1 and not (updating and value == -1):
            raise invalid_parameter(f"Requested {field} for OnDemandThroughput for table is "
                                    "outside of valid range")


def validate_warm(requested: dict | None, current: dict) -> None:
    """WarmThroughput only grows (DescribeTable's, or the default)."""
    if not requested:
        return
    for field in ("ReadUnitsPerSecond", "WriteUnitsPerSecond"):
        value = requested.get(field)
        if value is not None and value < current[field]:
            raise invalid_parameter(
                f"Requested {field} for WarmThroughput for table is lower than current "
                "WarmThroughput, decreasing WarmThroughput is not supported")


def warm_throughput(record: dict) -> dict:
    return dict(DEFAULT_WARM, **(record.get("WarmThroughput") or {}))


def validate_create_settings(request: dict) -> None:
    validate_table_class(request.get("TableClass"))
    validate_sse(request.get("SSESpecification"))
    validate_on_demand(request.get("OnDemandThroughput"),
                       request.get("BillingMode") == "PAY_PER_REQUEST", updating=False)
    validate_warm(request.get("WarmThroughput"), DEFAULT_WARM)


def apply_create_settings(record: dict, request: dict) -> None:
    """CreateTable's OnDemandThroughput and WarmThroughput, into the record."""
    if request.get("OnDemandThroughput"):
        record["OnDemandThroughput"] = _maxima(request["OnDemandThroughput"], {})
    if request.get("WarmThroughput"):
        record["WarmThroughput"] = warm_throughput(request)


def validate_update_composition(request: dict, members: tuple[str, ...]) -> None:
    """The members UpdateTable takes only alone (OnDemandThroughput: only
    with BillingMode); `members`: every change UpdateTable takes."""
    changes = [name for name in members if request.get(name) is not None]
    for name, words in _ALONE:
        if name in changes and len(changes) > 1:
            raise invalid_parameter(f"{words} must be the only operation in the request")
    if "OnDemandThroughput" in changes and set(changes) - {"OnDemandThroughput", "BillingMode"}:
        raise invalid_parameter("OnDemandThroughput can only be combined with BillingMode in "
                                "an UpdateTable request")
    validate_table_class(request.get("TableClass"))
    validate_sse(request.get("SSESpecification"))


def apply_update_settings(record: dict, request: dict, now: float) -> None:
    """UpdateTable's OnDemandThroughput, WarmThroughput and TableClass's
    update time, into the updated record (its billing mode already set)."""
    on_demand = record.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST"
    validate_on_demand(request.get("OnDemandThroughput"), on_demand, updating=True)
    if request.get("OnDemandThroughput"):
        record["OnDemandThroughput"] = _maxima(request["OnDemandThroughput"],
                                               record.get("OnDemandThroughput") or {})
    if not on_demand:
        record.pop("OnDemandThroughput", None)
    validate_warm(request.get("WarmThroughput"), warm_throughput(record))
    if request.get("WarmThroughput"):
        record["WarmThroughput"] = dict(warm_throughput(record), **request["WarmThroughput"])
    if request.get("TableClass") is not None:
        record["TableClassUpdated"] = now
    if request.get("BillingMode") == "PROVISIONED":
        _check_index_throughput_given(record, request)


def _check_index_throughput_given(record: dict, request: dict) -> None:
    """A table turning PROVISIONED gives each on-demand GSI its throughput
    in the same request (GlobalSecondaryIndexUpdates' Update)."""
    given = {update["Update"]["IndexName"] for update in request.get(
        "GlobalSecondaryIndexUpdates") or () if update.get("Update", {}).get(
        "ProvisionedThroughput")}
    for index in record.get("GlobalSecondaryIndexes", ()):
        if not index["ProvisionedThroughput"]["ReadCapacityUnits"] \
                and index["IndexName"] not in given:
            raise invalid_parameter("ProvisionedThroughput must be specified for index: "
                                    f"{index['IndexName']}")


def _maxima(requested: dict, current: dict) -> dict:
    return {field: requested.get(field, current.get(field, -1)) for field in _UNITS}


def on_demand_maximum(record: dict, kind: str) -> float | None:
    """The table's on-demand maximum of read or write request units a
    second, if it has one (throttling.py)."""
    maxima = record.get("OnDemandThroughput")
    value = maxima.get("MaxReadRequestUnits" if kind == "read" else "MaxWriteRequestUnits") \
        if maxima else None
    return float(value) if value is not None and value > 0 else None

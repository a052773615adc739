"""UpdateTable: billing mode, provisioned throughput, streams, online GSI
creation/deletion/throughput (index_builds.py), deletion protection, SSE and
table class. Throughput changes take effect at once; the table reports
UPDATING for the configured settle delay."""
from __future__ import annotations

from ...errors import invalid_parameter, validation_error
from ...jobs.backfill import resume_backfills
from ...protocol.validation import ShapeRules
from ...streams import log as streams
from ..vectors.definitions import apply_vector_updates, validate_vector_updates
from .catalog import table_name_from
from .index_builds import apply_updates, creates_or_deletes, validate_index_updates
from .multi_region_consistency import needs_strong_rules, update_strong_group
from .replicas import STREAM_REQUIRED_ON_REPLICA, apply_replica_updates, validate_replica_updates
from .settings import (
    enable_stream,
    validate_capacity_bounds,
    validate_stream_specification,
)
from .table_settings import apply_update_settings, validate_update_composition

NAME = "UpdateTable"
READ_ONLY = False
# Member order in messages (dynalite's fully ordered test/updateTable.js); a
# missing TableName is reported on its own, before any aggregated error
# (dynalite's tests).
SHAPE_RULES = ShapeRules(
    member_order={
        "UpdateTableInput": ("TableName", "ProvisionedThroughput", "GlobalSecondaryIndexUpdates"),
        "CreateGlobalSecondaryIndexAction": ("Projection", "IndexName", "ProvisionedThroughput",
                                             "KeySchema")},
    required_parameter="TableName")

CHANGES = ("ProvisionedThroughput", "BillingMode", "StreamSpecification",
           "GlobalSecondaryIndexUpdates", "SSESpecification", "ReplicaUpdates",
           "DeletionProtectionEnabled", "TableClass", "OnDemandThroughput", "WarmThroughput",
           "VectorIndexUpdates")
# AWS's wording as of 2026 (captured in us-east-1 and us-west-2, ack-api-quirks'
# ValidationException catalogue), which names members botocore's model lacks.
NOTHING_TO_UPDATE = (
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
    "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, "
    "ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, "
    "OnDemandThroughput, WarmThroughput or TableClass is required")


def run(engine, request: dict) -> dict:
    if not any(request.get(change) is not None for change in CHANGES):
        raise validation_error(NOTHING_TO_UPDATE)
    if request.get("ReplicaUpdates"):
        return update_replicas(engine, request)
    if request.get("ProvisionedThroughput"):
        validate_capacity_bounds(request["ProvisionedThroughput"])
    validate_stream_specification(request.get("StreamSpecification"), creating=False)
    if request.get("GlobalSecondaryIndexUpdates") is not None:
        validate_index_updates(request["GlobalSecondaryIndexUpdates"])
    if request.get("VectorIndexUpdates") is not None:
        validate_vector_updates(request["VectorIndexUpdates"])
    check_changes_combine(request)
    check_on_demand_throughput(request)
    validate_update_composition(request, CHANGES)
    name = table_name_from(request["TableName"])
    catalog = engine.catalog

    def update(ctx):
        now = engine.clock()
        table = catalog.require_active(ctx, name, now)
        record = updated_record(table.record, request, now)
        apply_update_settings(record, request, now)
        if request.get("StreamSpecification"):
            change_stream(ctx, engine, record, request["StreamSpecification"], now)
        if request.get("GlobalSecondaryIndexUpdates"):
            apply_updates(ctx, engine, record, request["GlobalSecondaryIndexUpdates"],
                          request.get("AttributeDefinitions"))
        if request.get("VectorIndexUpdates"):
            apply_vector_updates(ctx, engine, record, request["VectorIndexUpdates"],
                                 request.get("AttributeDefinitions"))
        record.update(TableStatus="UPDATING", settles_at=now + engine.config.table_status_delay)
        updated = catalog.put(ctx, record)
        return updated, {"TableDescription": catalog.describe(ctx.txn, updated, now)}

    updated, response = engine.store.write(update)
    engine.throttler.retune(updated)
    if request.get("GlobalSecondaryIndexUpdates") or request.get("VectorIndexUpdates"):
        resume_backfills(engine)
    return response


def update_replicas(engine, request: dict) -> dict:
    """ReplicaUpdates (replicas.py), in an UpdateTable of their own, as AWS
    requires (its message: ack-api-quirks' capture DDB-TABLE-257)."""
    if any(request.get(change) is not None for change in CHANGES if change != "ReplicaUpdates"):
        raise validation_error("Requests that modify replicas or witnesses must not also "
                               "modify other fields")
    name = table_name_from(request["TableName"])
    with engine.store.read() as txn:
        table = engine.catalog.described(txn, name)
    if needs_strong_rules(table, request):
        update_strong_group(engine, table, request)
    else:
        validate_replica_updates(engine, request["ReplicaUpdates"])
        apply_replica_updates(engine, name, request["ReplicaUpdates"])
    with engine.store.read() as txn:
        table = engine.catalog.described(txn, name)
        return {"TableDescription": engine.catalog.describe(txn, table)}


ON_DEMAND_THROUGHPUT = ("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified "
                        "when BillingMode is PAY_PER_REQUEST")


def check_on_demand_throughput(request: dict) -> None:
    """A switch to on-demand names no throughput; refused before the table
    is looked up, as it needs none of it (AWS capture: ack-api-quirks'
    catalogue, val_pt_on_ppr)."""
    if request.get("BillingMode") == "PAY_PER_REQUEST" and request.get("ProvisionedThroughput"):
        raise invalid_parameter(ON_DEMAND_THROUGHPUT)


def check_changes_combine(request: dict) -> None:
    """Some changes need an UpdateTable of their own (AWS's wording, captured
    in ack-api-quirks' ValidationException catalogue)."""
    indexes = creates_or_deletes(request.get("GlobalSecondaryIndexUpdates") or [])
    stream = request.get("StreamSpecification") is not None
    throughput = request.get("ProvisionedThroughput") is not None
    if indexes and stream:
        raise invalid_parameter("You cannot create or delete index while changing stream status")
    if indexes and throughput:
        raise invalid_parameter("You cannot create or delete index while updating table IOPS")
    if stream and throughput:
        raise invalid_parameter("You cannot modify stream status while updating table IOPS")


def updated_record(record: dict, request: dict, now: float) -> dict:
    record = dict(record)
    on_demand = record.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST"
    mode = request.get("BillingMode")
    throughput = request.get("ProvisionedThroughput")
    becomes_on_demand = mode == "PAY_PER_REQUEST" or (mode is None and on_demand)
    if becomes_on_demand and throughput:
        raise invalid_parameter(ON_DEMAND_THROUGHPUT)
    if mode == "PROVISIONED" and on_demand and not throughput:
        raise invalid_parameter(
            "ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
    if mode == "PAY_PER_REQUEST" and not on_demand:
        record["BillingModeSummary"] = {"BillingMode": "PAY_PER_REQUEST",
                                        "LastUpdateToPayPerRequestDateTime": now}
        record["ProvisionedThroughput"] = dict(record["ProvisionedThroughput"],
                                               ReadCapacityUnits=0, WriteCapacityUnits=0)
    elif mode == "PROVISIONED" and on_demand:
        record["BillingModeSummary"] = {"BillingMode": "PROVISIONED",
                                        "LastUpdateToPayPerRequestDateTime":
                                            record["BillingModeSummary"].get(
                                                "LastUpdateToPayPerRequestDateTime", now)}
        record["ProvisionedThroughput"] = dict(record["ProvisionedThroughput"], **throughput)
    elif throughput:
        record["ProvisionedThroughput"] = changed_throughput(
            record["ProvisionedThroughput"], throughput, now)
    for flag in ("DeletionProtectionEnabled", "TableClass"):
        if request.get(flag) is not None:
            record[flag] = request[flag]
    if request.get("SSESpecification") is not None:
        record["SSEDescription"] = _sse_description(request["SSESpecification"],
                                                    record.get("SSEDescription"))
    return record


def change_stream(ctx, engine, record: dict, specification: dict, now: float) -> None:
    """Enable a new stream or disable the current one; never change it in place."""
    name = record["TableName"]
    if specification.get("StreamEnabled"):
        if record.get("stream"):
            raise validation_error(f"Table already has an enabled stream: TableName: {name}")
        enable_stream(ctx, engine, record, specification["StreamViewType"], now)
        return
    if not record.get("stream"):
        raise validation_error(f"Table has no stream to disable: TableName: {name}")
    if record.get("replicas"):
        raise invalid_parameter(STREAM_REQUIRED_ON_REPLICA)
    streams.disable_stream(ctx, engine.repos.streams, record.pop("stream")["number"])


def changed_throughput(current: dict, requested: dict, now: float) -> dict:
    read_delta = requested["ReadCapacityUnits"] - current["ReadCapacityUnits"]
    write_delta = requested["WriteCapacityUnits"] - current["WriteCapacityUnits"]
    if not read_delta and not write_delta:
        raise validation_error(
            "The provisioned throughput for the table will not change. The requested value "
            "equals the current value. Current ReadCapacityUnits provisioned for the table: "
            f"{current['ReadCapacityUnits']}. Requested ReadCapacityUnits: "
            f"{requested['ReadCapacityUnits']}. Current WriteCapacityUnits provisioned for the "
            f"table: {current['WriteCapacityUnits']}. Requested WriteCapacityUnits: "
            f"{requested['WriteCapacityUnits']}. Refer to the Amazon DynamoDB Developer Guide "
            "for current limits and how to request higher limits.")
    updated = dict(current, ReadCapacityUnits=requested["ReadCapacityUnits"],
                   WriteCapacityUnits=requested["WriteCapacityUnits"])
    if read_delta > 0 or write_delta > 0:
        updated["LastIncreaseDateTime"] = now
    if read_delta < 0 or write_delta < 0:
        updated["LastDecreaseDateTime"] = now
        updated["NumberOfDecreasesToday"] = current.get("NumberOfDecreasesToday", 0) + 1
    return updated


def _sse_description(specification: dict, current: dict | None) -> dict | None:
    if not specification.get("Enabled", True):
        return None
    return current or {"Status": "ENABLED", "SSEType": "KMS"}

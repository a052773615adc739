"""What RestoreTableFromBackup and RestoreTableToPointInTime share: the
restored table's record, built from the source's definition and the
request's overrides (billing, throughput, indexes, SSE) as DynamoDB
allows them, put in the catalog as CREATING until jobs/restore.py has
filled it.

A restored table has the source's keys, attribute definitions, indexes
(vector indexes too, ACTIVE: the restore's item writes fill them), billing
and SSE; not its stream, TTL, tags, PITR, deletion protection or
table class (DynamoDB's restores: ack-api-quirks DDB-BACKUP-009).
"""
from __future__ import annotations

import math
import uuid

from ...errors import DynamoError, validation_error
from ...storage.catalog import INDEX_NUMBERS, TABLE_NUMBERS
from ..tables.catalog import Table
from ..vectors.definitions import ON_DEMAND_ONLY, stored_definition, vector_index_info

_ZERO = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}


def invalid_request(detail: str) -> DynamoError:
    return validation_error(f"Invalid Request: {detail}")


def check_target_free(engine, ctx, name: str) -> None:
    if engine.catalog.current(ctx, name) is not None:
        raise DynamoError("TableAlreadyExistsException", f"Table already exists: {name}")


def restored_record(definition: dict, request: dict, now: float, config) -> dict:
    """The new table's record (without numbers) from the source definition
    and the request's overrides; DynamoDB's errors for overrides it refuses."""
    source_on_demand = definition.get("BillingModeSummary", {}).get(
        "BillingMode") == "PAY_PER_REQUEST"
    mode = request.get("BillingModeOverride")
    on_demand = mode == "PAY_PER_REQUEST" if mode else source_on_demand
    throughput = request.get("ProvisionedThroughputOverride")
    _check_billing(mode, source_on_demand, throughput)
    if on_demand:
        table_throughput = dict(_ZERO)
    elif throughput:
        table_throughput = {"ReadCapacityUnits": throughput["ReadCapacityUnits"],
                            "WriteCapacityUnits": throughput["WriteCapacityUnits"]}
    else:
        table_throughput = _units(definition["ProvisionedThroughput"])
    record = {
        "TableName": request["TargetTableName"], "TableId": str(uuid.uuid4()),
        "KeySchema": definition["KeySchema"], "TableStatus": "CREATING",
        "CreationDateTime": now, "settles_at": math.inf,  # until the restore is done
        "ProvisionedThroughput": dict(table_throughput, NumberOfDecreasesToday=0),
        "DeletionProtectionEnabled": False, "Tags": [],
    }
    if on_demand:
        record["BillingModeSummary"] = {"BillingMode": "PAY_PER_REQUEST",
                                        "LastUpdateToPayPerRequestDateTime": now}
    local = _kept_indexes(definition.get("LocalSecondaryIndexes", []),
                          request.get("LocalSecondaryIndexOverride"))
    if local:
        record["LocalSecondaryIndexes"] = [_index(index) for index in local]
    global_ = _global_indexes(definition.get("GlobalSecondaryIndexes", []),
                              request.get("GlobalSecondaryIndexOverride"), on_demand,
                              source_on_demand)
    if global_:
        record["GlobalSecondaryIndexes"] = global_
    vectors = _vector_indexes(definition.get("VectorIndexes", []),
                              request.get("VectorIndexOverride"), on_demand)
    if vectors:
        record["VectorIndexes"] = vectors
    record["AttributeDefinitions"] = _used_definitions(definition, record)
    sse = _sse(definition.get("SSEDescription"), request.get("SSESpecificationOverride"), config)
    if sse:
        record["SSEDescription"] = sse
    if on_demand and request.get("OnDemandThroughputOverride"):
        record["OnDemandThroughput"] = request["OnDemandThroughputOverride"]
    elif on_demand and definition.get("OnDemandThroughput") and not mode:
        record["OnDemandThroughput"] = definition["OnDemandThroughput"]
    return record


def _check_billing(mode: str | None, source_on_demand: bool, throughput: dict | None) -> None:
    if mode == "PAY_PER_REQUEST" and throughput:
        raise invalid_request("Cannot override ProvisionedThroughput if BillingMode is "
                              "overridden to PAY_PER_REQUEST")
    if mode == "PROVISIONED" and source_on_demand and not throughput:
        raise invalid_request("Must override ProvisionedThroughput if BillingMode is "
                              "overridden to PROVISIONED")
    if mode is None and source_on_demand and throughput:
        raise invalid_request("Cannot override ProvisionedThroughput unless BillingMode is "
                              "PROVISIONED")


def _units(throughput: dict) -> dict:
    return {"ReadCapacityUnits": throughput["ReadCapacityUnits"],
            "WriteCapacityUnits": throughput["WriteCapacityUnits"]}


def _index(index: dict) -> dict:
    return {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"],
            "Projection": index["Projection"]}


def _kept_indexes(source: list[dict], override: list[dict] | None) -> list[dict]:
    """The source's indexes the override keeps (all without one); an
    override naming an index the source lacks is refused."""
    if override is None:
        return source
    by_name = {index["IndexName"]: index for index in source}
    for index in override:
        if index["IndexName"] not in by_name:
            raise invalid_request(
                f"Index {index['IndexName']} does not match a secondary index that existed in "
                "the source table and cannot be created during the restore operation")
    return [by_name[index["IndexName"]] for index in override]


def _global_indexes(source: list[dict], override: list[dict] | None, on_demand: bool,
                    source_on_demand: bool) -> list[dict]:
    overrides = {index["IndexName"]: index for index in override or ()}
    restored = []
    for index in _kept_indexes(source, override):
        name = index["IndexName"]
        given = overrides.get(name, {}).get("ProvisionedThroughput")
        if on_demand and given:
            raise invalid_request("Cannot override ProvisionedThroughput if BillingMode is "
                                  f"overridden to PAY_PER_REQUEST for index {name}")
        if on_demand:
            throughput = dict(_ZERO)
        elif given:
            throughput = _units(given)
        elif source_on_demand:
            raise invalid_request(f"Must specify provisioned throughput for index {name}")
        else:
            throughput = _units(index["ProvisionedThroughput"])
        restored.append(dict(_index(index), ProvisionedThroughput=dict(
            throughput, NumberOfDecreasesToday=0)))
    return restored


def _vector_indexes(source: list[dict], override: list[dict] | None,
                    on_demand: bool) -> list[dict]:
    """The source's vector indexes the override keeps, as their *Info
    shapes (each gets its number and ACTIVE in start_restore: the restore
    fills it with the items)."""
    if override is not None:
        names = {index["IndexName"] for index in source}
        for index in override:
            if index["IndexName"] not in names:
                raise invalid_request(
                    f"Vector index {index['IndexName']} does not match a vector index that "
                    "existed in the source table and cannot be created during the restore "
                    "operation")
        kept = {index["IndexName"] for index in override}
        source = [index for index in source if index["IndexName"] in kept]
    if source and not on_demand:
        raise validation_error(ON_DEMAND_ONLY)
    return [vector_index_info(index) for index in source]


def _used_definitions(definition: dict, record: dict) -> list[dict]:
    """The attribute definitions the restored keys and indexes use."""
    used = {key["AttributeName"] for key in record["KeySchema"]}
    for field in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        for index in record.get(field, ()):
            used.update(key["AttributeName"] for key in index["KeySchema"])
    for index in record.get("VectorIndexes", ()):
        used.update(element["AttributeName"] for element in index.get("SearchSchema", ()))
    return [d for d in definition["AttributeDefinitions"] if d["AttributeName"] in used]


def _sse(current: dict | None, override: dict | None, config) -> dict | None:
    if override is None:
        return current
    if not override.get("Enabled"):
        return None
    key_id = override.get("KMSMasterKeyId") or str(uuid.uuid4())
    return {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key_id
            if key_id.startswith("arn:") else
            f"arn:aws:kms:{config.region}:{config.account_id}:key/{key_id}"}


def start_restore(engine, ctx, record: dict, restore: dict) -> Table:
    """Put the restored table in the catalog, CREATING, with its restore
    entry; jobs/restore.py fills it (the caller starts it after the commit)."""
    catalog = engine.catalog
    record = dict(record, number=catalog.next_number(ctx, TABLE_NUMBERS),
                  restore=dict(restore, in_progress=True))
    for field in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        for index in record.get(field, ()):
            index["number"] = catalog.next_number(ctx, INDEX_NUMBERS)
    if record.get("VectorIndexes"):
        record["VectorIndexes"] = [
            stored_definition(index, catalog.next_number(ctx, INDEX_NUMBERS), False)
            for index in record["VectorIndexes"]]
    return catalog.put(ctx, record)

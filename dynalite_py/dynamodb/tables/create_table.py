"""CreateTable: validate the table definition, store its record as CREATING."""
from __future__ import annotations

import logging
import uuid

from ...errors import invalid_parameter, resource_in_use, validation_error
from ...protocol.validation import ShapeRules
from ...storage.catalog import INDEX_NUMBERS, TABLE_NUMBERS
from ..policies.policies import attach_create_policy, validate_policy
from ..tags.tagging import validate_create_tags
from ..vectors.definitions import add_created_vector_indexes, validate_vector_indexes
from .keyschema import (
    check_key_types,
    check_keys_defined,
    defined_attribute_names,
    validate_index_common,
)
from .settings import (
    check_index_throughput,
    enable_stream,
    validate_capacity_bounds,
    validate_stream_specification,
)
from .table_settings import apply_create_settings, validate_create_settings

NAME = "CreateTable"
READ_ONLY = False
# What DynamoDB's CreateTable checks beyond botocore's model:
#  - member order in messages (dynalite's fully ordered test/createTable.js,
#    except that a GSI's errors come before an LSI's: conformance suite,
#    validation-ordering/createTable, AWS capture 2026-10-09);
#  - the table's KeySchema is at most 2 long (dynalite test/createTable.js;
#    AWS capture "... less than or equal to 2"): the model dropped that max
#    when GSIs got multi-attribute keys;
#  - AttributeDefinitions and KeySchema are still required ("Value null at
#    'keySchema' ...": dynalite test/createTable.js), which newer models no
#    longer mark as required;
#  - a missing TableName is reported on its own, before any aggregated
#    error (AWS capture 2026).
SHAPE_RULES = ShapeRules(
    member_order={"CreateTableInput": (
        "BillingMode", "AttributeDefinitions", "TableName", "ProvisionedThroughput",
        "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")},
    member_overrides={("CreateTableInput", "KeySchema"): {"max": 2, "required": True},
                      ("CreateTableInput", "AttributeDefinitions"): {"required": True}},
    required_parameter="TableName")

log = logging.getLogger("dynalite_py.tables")
MAX_LOCAL_INDEXES = 5
MAX_GLOBAL_INDEXES = 20


def run(engine, request: dict) -> dict:
    validate(request)
    validate_create_tags(request.get("Tags"))
    validate_create_settings(request)
    if request.get("ResourcePolicy") is not None:
        validate_policy(request["ResourcePolicy"])
    now = engine.clock()
    catalog = engine.catalog

    def create(ctx):
        name = request["TableName"]
        if catalog.current(ctx, name) is not None:
            raise resource_in_use(f"Table already exists: {name}")
        record = build_record(request, catalog.next_number(ctx, TABLE_NUMBERS), now,
                              now + engine.config.table_status_delay, engine.config)
        apply_create_settings(record, request)
        attach_create_policy(record, request, now)
        for field in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
            for index in record.get(field, ()):
                index["number"] = catalog.next_number(ctx, INDEX_NUMBERS)
        if request.get("VectorIndexes"):
            add_created_vector_indexes(ctx, engine, record, request["VectorIndexes"])
        stream = request.get("StreamSpecification")
        if stream and stream.get("StreamEnabled"):
            enable_stream(ctx, engine, record, stream["StreamViewType"], now)
        table = catalog.put(ctx, record)
        return {"TableDescription": catalog.describe(ctx.txn, table, now)}

    response = engine.store.write(create)
    log.info("table %s created", request["TableName"])
    return response


def build_record(request: dict, number: int, now: float, settles_at: float, config) -> dict:
    on_demand = request.get("BillingMode") == "PAY_PER_REQUEST"
    record = {
        "number": number,
        "settles_at": settles_at,
        "TableName": request["TableName"],
        "TableId": str(uuid.uuid4()),
        "KeySchema": request["KeySchema"],
        "AttributeDefinitions": request["AttributeDefinitions"],
        "TableStatus": "CREATING",
        "CreationDateTime": now,
        "ProvisionedThroughput": _throughput(request.get("ProvisionedThroughput"), on_demand),
        "DeletionProtectionEnabled": bool(request.get("DeletionProtectionEnabled", False)),
        "Tags": request.get("Tags", []),
    }
    if on_demand:
        record["BillingModeSummary"] = {"BillingMode": "PAY_PER_REQUEST",
                                        "LastUpdateToPayPerRequestDateTime": now}
    if request.get("LocalSecondaryIndexes"):
        record["LocalSecondaryIndexes"] = [_index(index)
                                           for index in request["LocalSecondaryIndexes"]]
    if request.get("GlobalSecondaryIndexes"):
        record["GlobalSecondaryIndexes"] = [
            dict(_index(index), ProvisionedThroughput=_throughput(
                index.get("ProvisionedThroughput"), on_demand))
            for index in request["GlobalSecondaryIndexes"]]
    sse = request.get("SSESpecification")
    if sse and sse.get("Enabled"):
        key_id = sse.get("KMSMasterKeyId") or str(uuid.uuid4())
        record["SSEDescription"] = {
            "Status": "ENABLED", "SSEType": "KMS",
            "KMSMasterKeyArn": key_id if key_id.startswith("arn:")
            else f"arn:aws:kms:{config.region}:{config.account_id}:key/{key_id}"}
    if request.get("TableClass"):
        record["TableClass"] = request["TableClass"]
    return record


def _throughput(throughput: dict | None, on_demand: bool) -> dict:
    if on_demand or not throughput:
        return {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0, "NumberOfDecreasesToday": 0}
    return {"ReadCapacityUnits": throughput["ReadCapacityUnits"],
            "WriteCapacityUnits": throughput["WriteCapacityUnits"],
            "NumberOfDecreasesToday": 0}


def _index(index: dict) -> dict:
    return {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"],
            "Projection": index["Projection"]}


# Validation -----------------------------------------------------------------
def validate(request: dict) -> None:
    """DynamoDB's semantic checks on a table definition, in DynamoDB's order."""
    on_demand = request.get("BillingMode") == "PAY_PER_REQUEST"
    validate_stream_specification(request.get("StreamSpecification"), creating=True)
    validate_billing(request.get("ProvisionedThroughput"), on_demand)
    definitions = defined_attribute_names(request["AttributeDefinitions"])
    validate_key_schema(request["KeySchema"], definitions)
    keys = [k["AttributeName"] for k in request["KeySchema"]]
    local_indexes = request.get("LocalSecondaryIndexes")
    global_indexes = request.get("GlobalSecondaryIndexes")
    vector_indexes = request.get("VectorIndexes")
    if (local_indexes is None and global_indexes is None and vector_indexes is None
            and len(keys) != len(definitions)):
        raise invalid_parameter("Number of attributes in KeySchema does not exactly match "
                                "number of attributes defined in AttributeDefinitions")
    seen_names: set[str] = set()
    if local_indexes is not None:
        validate_local_indexes(local_indexes, request["KeySchema"], definitions, seen_names)
    if global_indexes is not None:
        validate_global_indexes(global_indexes, definitions, seen_names, on_demand)
    if vector_indexes is not None:
        validate_vector_indexes(vector_indexes, request["AttributeDefinitions"], seen_names,
                                on_demand)
    if local_indexes or global_indexes or vector_indexes:
        check_definitions_used(definitions, [request["KeySchema"]] + [
            index["KeySchema"] for index in (local_indexes or []) + (global_indexes or [])] + [
            index.get("SearchSchema", []) for index in vector_indexes or []])


def check_definitions_used(definitions: list[str], schemas: list[list[dict]]) -> None:
    """With indexes, every attribute definition must key the table or an
    index. The lists are in request order, keys as the table, then its
    indexes, name them (an AWS answer quoted in aws-cloudformation/cfn-lint
    #1037: "AttributeDefinitions: [my-string, my-int, my-hash], keys used:
    [my-hash, my-string]")."""
    used: list[str] = []
    for schema in schemas:
        used += [k["AttributeName"] for k in schema if k["AttributeName"] not in used]
    if len(used) < len(definitions):
        raise invalid_parameter(
            f"Some AttributeDefinitions are not used. AttributeDefinitions: "
            f"[{', '.join(definitions)}], keys used: [{', '.join(used)}]")


def validate_billing(throughput: dict | None, on_demand: bool) -> None:
    if on_demand:
        if throughput:
            raise invalid_parameter("Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                                    "specified when BillingMode is PAY_PER_REQUEST")
        return
    if not throughput:
        raise invalid_parameter("ReadCapacityUnits and WriteCapacityUnits must both be "
                                "specified when BillingMode is PROVISIONED")
    validate_capacity_bounds(throughput)


def validate_key_schema(schema: list[dict], definitions: list[str]) -> None:
    keys = [k["AttributeName"] for k in schema]
    if len(keys) > len(definitions):
        raise validation_error("Invalid KeySchema: Some index key attribute have no definition")
    check_keys_defined(keys, definitions)
    check_key_types(schema)


def check_unique_name(name: str, seen_names: set[str]) -> None:
    if name in seen_names:
        raise invalid_parameter(f"Duplicate index name: {name}")
    seen_names.add(name)


def validate_local_indexes(indexes: list[dict], table_schema: list[dict],
                           definitions: list[str], seen_names: set[str]) -> None:
    if not indexes:
        raise invalid_parameter("List of LocalSecondaryIndexes is empty")
    if len(table_schema) != 2:
        raise invalid_parameter("Table KeySchema does not have a range key, which is required "
                                "when specifying a LocalSecondaryIndex")
    table_hash = table_schema[0]["AttributeName"]
    for index in indexes:
        validate_index_common(index, definitions)
        name = index["IndexName"]
        if len(index["KeySchema"]) != 2:
            raise invalid_parameter(f"Index KeySchema does not have a range key for index: {name}")
        index_hash = index["KeySchema"][0]["AttributeName"]
        if index_hash != table_hash:
            raise invalid_parameter(
                "Index KeySchema does not have the same leading hash key as table KeySchema "
                f"for index: {name}. index hash key: {index_hash}, table hash key: {table_hash}")
        check_unique_name(name, seen_names)
    if len(indexes) > MAX_LOCAL_INDEXES:
        raise invalid_parameter("Number of LocalSecondaryIndexes exceeds per-table limit of 5")


def validate_global_indexes(indexes: list[dict], definitions: list[str],
                            seen_names: set[str], on_demand: bool) -> None:
    if not indexes:
        raise invalid_parameter("List of GlobalSecondaryIndexes is empty")
    for index in indexes:
        validate_index_common(index, definitions, is_global=True)
        name = index["IndexName"]
        throughput = index.get("ProvisionedThroughput")
        check_index_throughput(name, throughput, on_demand, creating=True)
        if throughput:
            validate_capacity_bounds(throughput)
        check_unique_name(name, seen_names)
    if len(indexes) > MAX_GLOBAL_INDEXES:
        raise invalid_parameter("GlobalSecondaryIndex count exceeds the per-table limit of 20")

"""Control-plane answers worded and ordered as DynamoDB's (issue 24): table
and index definition errors, the order of checks, DeleteTable's reduced
description, index key limits on writes and a backfill that skips items
a write would refuse. Expected texts are AWS's, as the conformance suite
(paritysuite/dynamodb-conformance) and other captures quote them."""
from __future__ import annotations

import time

import boto3
import pytest
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import NO_RETRIES, REGION, create_table, error_of, open_db, unique_name

from dynalite_py.errors import DynamoError

PREFIX = "One or more parameter values were invalid: "
ON_DEMAND = {"BillingMode": "PAY_PER_REQUEST"}


def definition(name: str, kind: str = "S") -> dict:
    return {"AttributeName": name, "AttributeType": kind}


def key(name: str, kind: str = "HASH") -> dict:
    return {"AttributeName": name, "KeyType": kind}


def index(name: str, *schema: dict, projection: dict | None = None) -> dict:
    return {"IndexName": name, "KeySchema": list(schema),
            "Projection": projection or {"ProjectionType": "ALL"}}


HASH_ONLY = {"AttributeDefinitions": [definition("pk")], "KeySchema": [key("pk")]}
COMPOSITE = {"AttributeDefinitions": [definition("pk"), definition("sk"), definition("l")],
             "KeySchema": [key("pk"), key("sk", "RANGE")]}
LSI = index("by_l", key("pk"), key("l", "RANGE"))
GSI_DEFINITIONS = [definition("pk"), definition("g")]

CREATE_TABLE_ERRORS = [
    ("an attribute defined twice",
     {"AttributeDefinitions": [definition("pk"), definition("pk", "N")], "KeySchema": [key("pk")]},
     "Attribute Name is duplicated: pk"),
    ("a GSI INCLUDE projection without NonKeyAttributes",
     {"AttributeDefinitions": GSI_DEFINITIONS, "KeySchema": [key("pk")],
      "GlobalSecondaryIndexes": [index("by_g", key("g"),
                                       projection={"ProjectionType": "INCLUDE"})]},
     PREFIX + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"),
    ("an LSI INCLUDE projection without NonKeyAttributes",
     {**COMPOSITE, "LocalSecondaryIndexes": [
         index("by_l", key("pk"), key("l", "RANGE"), projection={"ProjectionType": "INCLUDE"})]},
     PREFIX + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"),
    ("a KEYS_ONLY projection with NonKeyAttributes",
     {"AttributeDefinitions": GSI_DEFINITIONS, "KeySchema": [key("pk")],
      "GlobalSecondaryIndexes": [index("by_g", key("g"), projection={
          "ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["a"]})]},
     PREFIX + "ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified"),
    ("a NonKeyAttributes name given twice",
     {"AttributeDefinitions": GSI_DEFINITIONS, "KeySchema": [key("pk")],
      "GlobalSecondaryIndexes": [index("by_g", key("g"), projection={
          "ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b", "a"]})]},
     PREFIX + "Duplicate element in NonKeyAttributes: a"),
    ("a definition no key uses, with indexes",
     {"AttributeDefinitions": [definition("x"), definition("g"), definition("pk")],
      "KeySchema": [key("pk")], "GlobalSecondaryIndexes": [index("by_g", key("g"))]},
     PREFIX + "Some AttributeDefinitions are not used. AttributeDefinitions: [x, g, pk], "
              "keys used: [pk, g]"),
    ("a definition no key uses, without indexes",
     {"AttributeDefinitions": [definition("pk"), definition("x")], "KeySchema": [key("pk")]},
     PREFIX + "Number of attributes in KeySchema does not exactly match number of attributes "
              "defined in AttributeDefinitions"),
    ("an index key with no definition",
     {"AttributeDefinitions": [definition("pk")], "KeySchema": [key("pk")],
      "GlobalSecondaryIndexes": [index("by_g", key("g"))]},
     PREFIX + "Some index key attributes are not defined in AttributeDefinitions. "
              "Keys: [g], AttributeDefinitions: [pk]"),
    ("the same attribute as hash and range key",
     {"AttributeDefinitions": [definition("pk")], "KeySchema": [key("pk"), key("pk", "RANGE")]},
     "Invalid KeySchema: Some index key attribute have no definition"),
    ("a GSI whose only key is a RANGE key",
     {"AttributeDefinitions": GSI_DEFINITIONS, "KeySchema": [key("pk")],
      "GlobalSecondaryIndexes": [index("by_g", key("g", "RANGE"))]},
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ("an LSI on a table without a sort key",
     {"AttributeDefinitions": [definition("pk"), definition("l")], "KeySchema": [key("pk")],
      "LocalSecondaryIndexes": [LSI]},
     PREFIX + "Table KeySchema does not have a range key, which is required when specifying "
              "a LocalSecondaryIndex"),
    ("an LSI whose hash key is not the table's",
     {"AttributeDefinitions": COMPOSITE["AttributeDefinitions"] + [definition("o")],
      "KeySchema": COMPOSITE["KeySchema"],
      "LocalSecondaryIndexes": [index("by_l", key("o"), key("l", "RANGE"))]},
     PREFIX + "Index KeySchema does not have the same leading hash key as table KeySchema for "
              "index: by_l. index hash key: o, table hash key: pk"),
    ("two indexes of one name",
     {"AttributeDefinitions": GSI_DEFINITIONS, "KeySchema": [key("pk")],
      "GlobalSecondaryIndexes": [index("by_g", key("g")), index("by_g", key("g"))]},
     PREFIX + "Duplicate index name: by_g"),
    ("more than 20 GSIs",
     {"AttributeDefinitions": GSI_DEFINITIONS, "KeySchema": [key("pk")],
      "GlobalSecondaryIndexes": [index(f"by_g{n}", key("g")) for n in range(21)]},
     PREFIX + "GlobalSecondaryIndex count exceeds the per-table limit of 20"),
    ("a stream disabled with a view type",
     {**HASH_ONLY, "StreamSpecification": {"StreamEnabled": False,
                                           "StreamViewType": "KEYS_ONLY"}},
     PREFIX + "Table is being created with a stream disabled, UpdateViewType should not be "
              "specified"),
    ("a stream enabled without a view type",
     {**HASH_ONLY, "StreamSpecification": {"StreamEnabled": True}},
     PREFIX + "Table is being created with a stream enabled, UpdateViewType is required"),
    ("PAY_PER_REQUEST with ProvisionedThroughput",
     {**HASH_ONLY, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
     PREFIX + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
              "BillingMode is PAY_PER_REQUEST"),
]


@pytest.mark.parametrize("case, definition_, message", CREATE_TABLE_ERRORS,
                         ids=[case[0] for case in CREATE_TABLE_ERRORS])
def test_create_table_refuses_a_bad_definition_as_aws_words_it(client, case, definition_, message):
    name = unique_name()
    assert error_of(client.create_table, TableName=name, **ON_DEMAND, **definition_) == (
        "ValidationException", message)
    assert name not in client.list_tables()["TableNames"]


@pytest.mark.parametrize("projection, expected", [
    ({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]},
     {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}),
    ({"ProjectionType": "KEYS_ONLY"}, {"ProjectionType": "KEYS_ONLY"}),
])
def test_a_valid_index_definition_is_kept_as_given(client, projection, expected):
    name = unique_name()
    client.create_table(TableName=name, **ON_DEMAND, AttributeDefinitions=GSI_DEFINITIONS,
                        KeySchema=[key("pk")],
                        GlobalSecondaryIndexes=[index("by_g", key("g"), projection=projection)])
    described = client.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]
    assert described["Projection"] == expected


@pytest.fixture
def unchecked_client(client, server_url, embedded_db):
    """`client`'s transport without botocore's own parameter checks, so
    requests AWS refuses reach the server."""
    config = NO_RETRIES.merge(Config(parameter_validation=False))
    if client.meta.endpoint_url == server_url:
        return boto3.client("dynamodb", endpoint_url=server_url, region_name=REGION,
                            aws_access_key_id="any", aws_secret_access_key="any", config=config)
    return embedded_db.client(config=config)


def test_a_gsi_error_comes_before_an_lsi_error_whatever_their_order(unchecked_client):
    # conformance suite, validation-ordering/createTable (AWS, 2026-10-09)
    too_short = ("Value '{}' at '{}.1.member.indexName' failed to satisfy constraint: "
                 "Member must have length greater than or equal to 3")
    for local, glob in (("l1", "g1"), ("aa", "zz")):
        request = {"TableName": unique_name(), **ON_DEMAND,
                   "AttributeDefinitions": [definition("pk"), definition("sk")],
                   "KeySchema": [key("pk"), key("sk", "RANGE")],
                   "LocalSecondaryIndexes": [index(local, key("pk"), key("lr", "RANGE"))],
                   "GlobalSecondaryIndexes": [index(glob, key("gh"))]}
        expected = ("2 validation errors detected: "
                    + too_short.format(glob, "globalSecondaryIndexes") + "; "
                    + too_short.format(local, "localSecondaryIndexes"))
        assert error_of(unchecked_client.create_table, **request) == (
            "ValidationException", expected)


def test_a_provisioned_gsi_without_throughput_is_worded_per_operation(client):
    provisioned = {"BillingMode": "PROVISIONED",
                   "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}
    assert error_of(client.create_table, TableName=unique_name(), **provisioned,
                    AttributeDefinitions=GSI_DEFINITIONS, KeySchema=[key("pk")],
                    GlobalSecondaryIndexes=[index("by_g", key("g"))]) == (
        "ValidationException", PREFIX + "ProvisionedThroughput is not specified for index: by_g")


# UpdateTable -------------------------------------------------------------
NOTHING_TO_UPDATE = (
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
    "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, "
    "ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, "
    "OnDemandThroughput, WarmThroughput or TableClass is required")


@pytest.mark.parametrize("request_, message", [
    ({}, NOTHING_TO_UPDATE),
    ({"StreamSpecification": {"StreamEnabled": True}},
     PREFIX + "If stream is being enabled then UpdateViewType is required"),
    ({"BillingMode": "PAY_PER_REQUEST",
      "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}},
     PREFIX + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
              "BillingMode is PAY_PER_REQUEST"),
    ({"StreamSpecification": {"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"}},
     PREFIX + "If stream is being disabled, then UpdateViewType must not be specified"),
])
def test_update_table_checks_its_parameters_before_looking_the_table_up(client, request_, message):
    table = create_table(client)
    assert error_of(client.update_table, TableName=table, **request_) == (
        "ValidationException", message)
    # the same answer for a table that does not exist: parameters come first
    assert error_of(client.update_table, TableName=unique_name("missing"), **request_) == (
        "ValidationException", message)


BY_G = index("by_g", key("g"))
DELETE_BY_G = {"Delete": {"IndexName": "by_g"}}


@pytest.mark.parametrize("request_, message", [
    ({"GlobalSecondaryIndexUpdates": []},
     PREFIX + "List of GlobalSecondaryIndexUpdates is empty"),
    ({"GlobalSecondaryIndexUpdates": [{}]},
     PREFIX + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
              "GlobalSecondaryIndexUpdate.Delete must not be null"),
    ({"GlobalSecondaryIndexUpdates": [{"Create": BY_G, **DELETE_BY_G}]},
     PREFIX + "Only one global secondary index action is allowed per "
              "GlobalSecondaryIndexUpdate object"),
    ({"GlobalSecondaryIndexUpdates": [{"Create": BY_G}, DELETE_BY_G]},
     PREFIX + "Only one global secondary index update per index is allowed simultaneously. "
              "Index: by_g"),
    ({"GlobalSecondaryIndexUpdates": [DELETE_BY_G],
      "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}},
     PREFIX + "You cannot create or delete index while changing stream status"),
    ({"GlobalSecondaryIndexUpdates": [DELETE_BY_G],
      "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}},
     PREFIX + "You cannot create or delete index while updating table IOPS"),
    ({"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
      "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}},
     PREFIX + "You cannot modify stream status while updating table IOPS"),
])
def test_update_table_refuses_index_updates_aws_refuses(client, request_, message):
    table = create_table(client)
    assert error_of(client.update_table, TableName=table, **request_) == (
        "ValidationException", message)
    assert error_of(client.update_table, TableName=unique_name("missing"), **request_) == (
        "ValidationException", message)  # before the table is looked up
    assert client.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"


def add_index(client, table: str, definitions: list[dict] | None, created: dict):
    extra = {"AttributeDefinitions": definitions} if definitions is not None else {}
    return client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[
        {"Create": created}], **extra)


@pytest.mark.parametrize("definitions, created, message", [
    (None, index("by_g", key("g")),
     PREFIX + "AttributeDefinitions is not specified for index: by_g"),
    ([definition("g")], index("by_pk_g", key("pk"), key("g", "RANGE")),
     PREFIX + "Some index key attributes are not defined in AttributeDefinitions. "
              "Keys: [pk, g], AttributeDefinitions: [g]"),
    ([definition("g"), definition("g", "N")], index("by_g", key("g")),
     "Attribute Name is duplicated: g"),
    ([definition("g")], index("by_g", key("g"), projection={"ProjectionType": "INCLUDE"}),
     PREFIX + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"),
])
def test_update_table_refuses_a_bad_new_index(client, definitions, created, message):
    table = create_table(client)
    assert error_of(add_index, client=client, table=table, definitions=definitions,
                    created=created) == ("ValidationException", message)
    assert "GlobalSecondaryIndexes" not in client.describe_table(TableName=table)["Table"]


def test_an_on_demand_gsi_takes_no_provisioned_throughput(client):
    table = create_table(client)
    add_index(client, table, [definition("g")], BY_G)
    wait_until_active(client, table)
    assert error_of(client.update_table, TableName=table, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "by_g", "ProvisionedThroughput": {
            "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]) == (
        "ValidationException", PREFIX + "The only Updates for index: by_g when "
        "TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput")
    index = client.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
    assert index["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    # an Update naming no provisioned throughput is no error (it was a KeyError)
    client.update_table(TableName=table, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "by_g", "OnDemandThroughput": {"MaxReadRequestUnits": 10}}}])


def test_a_new_index_keeps_stored_key_types_and_drops_unused_definitions(client):
    table = create_table(client)
    add_index(client, table, [definition("pk", "N"), definition("g", "N"), definition("unused")],
              index("by_pk_g", key("pk"), key("g", "RANGE")))
    described = client.describe_table(TableName=table)["Table"]
    assert described["AttributeDefinitions"] == [definition("pk"), definition("g", "N")]


def test_deleting_an_lsi_or_a_missing_index(client):
    name = unique_name()
    client.create_table(TableName=name, **ON_DEMAND, **COMPOSITE, LocalSecondaryIndexes=[LSI])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    assert error_of(client.update_table, TableName=name, GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "by_l"}}]) == (
        "ValidationException", "Cannot delete an index that is not a GlobalSecondaryIndex: by_l")
    assert error_of(client.update_table, TableName=name, GlobalSecondaryIndexUpdates=[
        {"Update": {"IndexName": "by_l", "ProvisionedThroughput": {
            "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]) == (
        "ValidationException", "Cannot update an index that is not a GlobalSecondaryIndex: by_l")
    for action in ({"Delete": {"IndexName": "nowhere"}}, {"Update": {
            "IndexName": "nowhere", "ProvisionedThroughput": {
                "ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}):
        assert error_of(client.update_table, TableName=name,
                        GlobalSecondaryIndexUpdates=[action]) == (
            "ResourceNotFoundException", "Requested resource not found: Index: nowhere not found")


# DeleteTable -------------------------------------------------------------
def test_delete_table_answers_with_the_reduced_description(client):
    name = unique_name()
    client.create_table(TableName=name, **ON_DEMAND, **{
        **COMPOSITE, "AttributeDefinitions": COMPOSITE["AttributeDefinitions"] + [definition("g")]},
        LocalSecondaryIndexes=[LSI], GlobalSecondaryIndexes=[index("by_g", key("g"))],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": "b"}})
    described = client.describe_table(TableName=name)["Table"]
    deleted = client.delete_table(TableName=name)["TableDescription"]
    # scylladb's test_delete_table_description(_with_si), run against AWS
    for absent in ("KeySchema", "AttributeDefinitions", "CreationDateTime",
                   "LocalSecondaryIndexes", "GlobalSecondaryIndexes", "StreamSpecification",
                   "LatestStreamArn", "LatestStreamLabel"):
        assert absent in described and absent not in deleted
    assert deleted["TableStatus"] == "DELETING"
    for kept in ("TableName", "TableArn", "TableId", "ItemCount", "TableSizeBytes",
                 "ProvisionedThroughput", "BillingModeSummary"):
        assert deleted[kept] == described[kept]


def test_delete_table_of_a_missing_table(client):
    name = unique_name("missing")
    assert error_of(client.delete_table, TableName=name) == (
        "ResourceNotFoundException", f"Requested resource not found: Table: {name} not found")


# Index keys on writes ------------------------------------------------------
@pytest.fixture
def indexed_table(client):
    name = unique_name()
    client.create_table(
        TableName=name, **ON_DEMAND,
        AttributeDefinitions=COMPOSITE["AttributeDefinitions"] + [definition("g"), definition("r")],
        KeySchema=COMPOSITE["KeySchema"], LocalSecondaryIndexes=[LSI],
        GlobalSecondaryIndexes=[index("by_g_r", key("g"), key("r", "RANGE"))])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    return name


def size_error(name: str, size: int, limit: int, index_name: str) -> tuple[str, str]:
    return ("ValidationException", PREFIX + f"Size limit exceeded for Index Key {name} Actual "
            f"Size: {size} bytes Max Size: {limit} bytes IndexName: {index_name}")


@pytest.mark.parametrize("attribute, limit, index_name", [
    ("g", 2048, "by_g_r"), ("r", 1024, "by_g_r"), ("l", 1024, "by_l")])
def test_index_keys_have_the_table_key_limits(client, indexed_table, attribute, limit, index_name):
    base = {"pk": {"S": "p"}, "sk": {"S": "s"}, "g": {"S": "g"}, "r": {"S": "r"}, "l": {"S": "l"}}
    client.put_item(TableName=indexed_table, Item={**base, attribute: {"S": "é" * (limit // 2)}})
    too_long = {**base, attribute: {"S": "x" * (limit - 1) + "é"}}  # one byte over, in UTF-8
    assert error_of(client.put_item, TableName=indexed_table, Item=too_long) == size_error(
        attribute, limit + 1, limit, index_name)
    assert error_of(client.update_item, TableName=indexed_table,
                    Key={"pk": {"S": "p"}, "sk": {"S": "s"}}, UpdateExpression="SET #a = :v",
                    ExpressionAttributeNames={"#a": attribute},
                    ExpressionAttributeValues={":v": {"B": b"x" * (limit + 5)}}
                    )[0] == "ValidationException"  # a B key is measured decoded, too
    item = client.get_item(TableName=indexed_table, Key={"pk": {"S": "p"}, "sk": {"S": "s"}})
    assert item["Item"][attribute] == {"S": "é" * (limit // 2)}


def test_binary_index_key_is_measured_in_decoded_bytes(client):
    name = unique_name()
    client.create_table(TableName=name, **ON_DEMAND,
                        AttributeDefinitions=[definition("pk"), definition("g", "B")],
                        KeySchema=[key("pk")], GlobalSecondaryIndexes=[index("by_g", key("g"))])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    client.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"B": b"\x00" * 2048}})
    assert error_of(client.put_item, TableName=name,
                    Item={"pk": {"S": "b"}, "g": {"B": b"\x00" * 2049}}) == size_error(
        "g", 2049, 2048, "by_g")


# GSI backfill ---------------------------------------------------------------
def wait_until_active(client, table: str) -> dict:
    for _ in range(1000):
        described = client.describe_table(TableName=table)["Table"]
        if described["TableStatus"] == "ACTIVE" and all(
                i["IndexStatus"] == "ACTIVE" for i in described.get("GlobalSecondaryIndexes", ())):
            return described
        time.sleep(0.01)
    raise AssertionError("the index never became ACTIVE")


def test_backfill_skips_items_a_write_would_refuse(client):
    table = create_table(client, "S", "S")
    values = {"string": {"S": "x"}, "number": {"N": "1"}, "empty": {"S": ""},
              "too-long": {"S": "y" * 2049}, "longest": {"S": "z" * 2048},
              "map": {"M": {"a": {"S": "b"}}}}
    for pk, value in values.items():
        client.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": "1"}, "g": value})
    client.put_item(TableName=table, Item={"pk": {"S": "absent"}, "sk": {"S": "1"}})
    add_index(client, table, [definition("g")], index("by_g", key("g")))
    described = wait_until_active(client, table)
    assert described["GlobalSecondaryIndexes"][0]["ItemCount"] == 2
    indexed = client.scan(TableName=table, IndexName="by_g")["Items"]
    assert sorted(item["pk"]["S"] for item in indexed) == ["longest", "string"]
    assert client.scan(TableName=table, Select="COUNT")["Count"] == 7  # the table keeps them all
    # once the index exists, writes are held to its key type
    assert error_of(client.put_item, TableName=table,
                    Item={"pk": {"S": "n"}, "sk": {"S": "1"}, "g": {"N": "2"}}) == (
        "ValidationException", PREFIX + "Type mismatch for Index Key g Expected: S Actual: N "
                                        "IndexName: by_g")


# Properties ---------------------------------------------------------------------
projections = st.one_of(
    st.just({"ProjectionType": "ALL"}), st.just({"ProjectionType": "KEYS_ONLY"}),
    st.builds(lambda names: {"ProjectionType": "INCLUDE", "NonKeyAttributes": names},
              st.lists(st.sampled_from(["a", "b", "c"]), max_size=3)),
    st.just({"ProjectionType": "INCLUDE"}),
    st.builds(lambda kind, names: {"ProjectionType": kind, "NonKeyAttributes": names},
              st.sampled_from(["ALL", "KEYS_ONLY"]), st.lists(st.just("a"), min_size=1, max_size=1)))
indexes = st.lists(st.builds(lambda n, schema, projection: {
    "IndexName": f"index{n}", "KeySchema": schema, "Projection": projection},
    st.integers(0, 2), st.sampled_from([[key("g")], [key("g"), key("r", "RANGE")], [key("r")],
                                        [key("pk"), key("g", "RANGE")], [key("g"), key("g", "RANGE")],
                                        [key("r", "RANGE")]]), projections),
    min_size=1, max_size=2, unique_by=lambda index: index["IndexName"])
table_keys = st.sampled_from([[key("pk")], [key("pk"), key("sk", "RANGE")]])
local_indexes = st.lists(st.builds(lambda n, schema, projection: {
    "IndexName": f"local{n}", "KeySchema": schema, "Projection": projection},
    st.integers(0, 2), st.sampled_from([[key("pk"), key("r", "RANGE")], [key("pk"), key(
        "g", "RANGE")], [key("g"), key("r", "RANGE")], [key("pk")]]), projections),
    min_size=1, max_size=2, unique_by=lambda index: index["IndexName"])


@st.composite
def tables(draw) -> dict:
    """Mostly valid table definitions, some with one mistake: a definition
    dropped, added or given twice, or a key schema out of order."""
    table = {"KeySchema": draw(table_keys)}
    if draw(st.booleans()):
        table["GlobalSecondaryIndexes"] = draw(indexes)
    if draw(st.booleans()) and len(table["KeySchema"]) == 2:
        table["LocalSecondaryIndexes"] = draw(local_indexes)
    defined = sorted(used_keys(table))
    mistake = draw(st.sampled_from(["none"] * 6 + ["drop", "add", "twice"]))
    if mistake == "drop":
        defined.remove(draw(st.sampled_from(defined)))
    elif mistake == "add":
        defined.append("extra")
    elif mistake == "twice":
        defined.append(draw(st.sampled_from(defined)))
    table["AttributeDefinitions"] = [definition(name, draw(st.sampled_from("SNB")))
                                     for name in defined]
    return table


@pytest.fixture(scope="module")
def property_db():
    with open_db(table_status_delay=0.0) as db:
        yield db


def used_keys(request: dict) -> set[str]:
    schemas = [request["KeySchema"]] + [index["KeySchema"] for field in (
        "GlobalSecondaryIndexes", "LocalSecondaryIndexes") for index in request.get(field, ())]
    return {element["AttributeName"] for schema in schemas for element in schema}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables())
def test_a_table_definition_is_created_as_given_or_refused_as_invalid(property_db, table):
    """Any definition is created exactly as given, or refused with a
    ValidationException, nothing else; a created table defines exactly the
    attributes its keys use, each once, and its INCLUDE projections name
    attributes."""
    request = {"TableName": unique_name(), **ON_DEMAND, **table}
    try:
        created = property_db.call("CreateTable", request)["TableDescription"]
    except DynamoError as error:
        assert error.name == "ValidationException", error.message
        return
    defined = [d["AttributeName"] for d in table["AttributeDefinitions"]]
    assert len(set(defined)) == len(defined) and set(defined) == used_keys(table)
    assert created["AttributeDefinitions"] == table["AttributeDefinitions"]
    for field in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for index in table.get(field, ()):
            if index["Projection"]["ProjectionType"] == "INCLUDE":
                assert index["Projection"]["NonKeyAttributes"]
            else:
                assert "NonKeyAttributes" not in index["Projection"]
    property_db.call("DeleteTable", {"TableName": request["TableName"]})


index_key_values = st.one_of(
    st.builds(lambda s: {"S": s}, st.text(max_size=3) | st.just("x" * 2049) | st.just("y" * 2048)),
    st.builds(lambda n: {"N": str(n)}, st.integers(-5, 5)),
    st.just({"B": "AAE="}), st.just({"BOOL": True}), st.just({"SS": ["a"]}))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(index_key_values | st.none(), min_size=1, max_size=8),
       kind=st.sampled_from("SNB"))
def test_a_backfill_indexes_exactly_the_items_a_write_would_accept(property_db, values, kind):
    table = unique_name()
    property_db.call("CreateTable", {
        "TableName": table, **ON_DEMAND, "AttributeDefinitions": [definition("pk")],
        "KeySchema": [key("pk")]})
    accepted = set()
    for number, value in enumerate(values):
        item = {"pk": {"S": f"i{number}"}, **({"g": value} if value is not None else {})}
        property_db.call("PutItem", {"TableName": table, "Item": item})
        data = None if value is None else value.get(kind)
        if data is not None and (kind == "N" or data) and len(data) <= 2048:
            accepted.add(f"i{number}")
    property_db.call("UpdateTable", {
        "TableName": table, "AttributeDefinitions": [definition("g", kind)],
        "GlobalSecondaryIndexUpdates": [{"Create": index("by_g", key("g"))}]})
    for _ in range(500):
        described = property_db.call("DescribeTable", {"TableName": table})["Table"]
        if described["TableStatus"] == described["GlobalSecondaryIndexes"][0][
                "IndexStatus"] == "ACTIVE":
            break
        time.sleep(0.01)
    scanned = property_db.call("Scan", {"TableName": table, "IndexName": "by_g"})["Items"]
    assert {item["pk"]["S"] for item in scanned} == accepted
    assert described["GlobalSecondaryIndexes"][0]["ItemCount"] == len(accepted)
    assert described["ItemCount"] == len(values)
    property_db.call("DeleteTable", {"TableName": table})

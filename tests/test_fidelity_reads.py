"""Query and Scan answer as DynamoDB does: messages and orders captured from
AWS by the public conformance suite paritysuite/dynamodb-conformance
(tests/tier3/*/query*.test.ts, indexReads.test.ts), and the behaviours
issue 24 lists (ExclusiveStartKey, capacity, parameter ranges)."""
from __future__ import annotations

import pytest
from fidelity_support import INVALID, ONE, failure, loose_client, refusal
from support import create_table


@pytest.fixture(params=["http", "embedded"])
def client(request, server_url, embedded_db):
    return loose_client(request, server_url, embedded_db)


S = lambda s: {"S": s}  # noqa: E731
N = lambda n: {"N": n}  # noqa: E731


@pytest.fixture
def ss(client):
    return create_table(client, "S", "S")


@pytest.fixture
def sn(client):
    return create_table(client, "S", "N")


OPERAND = ("Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
           "operator or function: {}, operand type: {}")
SCHEMA = INVALID + "Condition parameter type does not match schema type"


def query_refusal(client, table, condition, values):
    return refusal(client, "query", TableName=table, KeyConditionExpression=condition,
                   ExpressionAttributeValues=values)


def test_key_condition_operand_types(client, ss, sn):
    p = {":p": S("q")}
    assert query_refusal(client, ss, "pk = :p AND begins_with(sk, :v)", {**p, ":v": N("1")}) == \
        OPERAND.format("begins_with", "N")
    assert query_refusal(client, ss, "pk = :p AND begins_with(sk, :v)", {**p, ":v": {"BOOL": True}}) == \
        OPERAND.format("begins_with", "BOOL")
    assert query_refusal(client, sn, "pk = :p AND begins_with(sk, :v)", {**p, ":v": N("1")}) == \
        OPERAND.format("begins_with", "N")
    assert query_refusal(client, sn, "pk = :p AND begins_with(sk, :v)", {**p, ":v": S("a")}) == SCHEMA
    assert query_refusal(client, sn, "pk = :p AND sk < :v", {**p, ":v": {"BOOL": True}}) == \
        OPERAND.format("<", "BOOL")
    assert query_refusal(client, sn, "pk = :p AND :v >= sk", {**p, ":v": {"BOOL": True}}) == \
        OPERAND.format(">=", "BOOL")
    assert query_refusal(client, sn, "pk = :p AND sk BETWEEN :a AND :b",
                         {**p, ":a": {"BOOL": False}, ":b": {"BOOL": True}}) == OPERAND.format("BETWEEN", "BOOL")
    assert query_refusal(client, sn, "pk = :p AND sk = :v", {**p, ":v": {"BOOL": True}}) == SCHEMA
    assert query_refusal(client, sn, "pk = :p AND sk > :a AND sk < :b", {**p, ":a": N("1"), ":b": N("5")}) == \
        "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"
    assert query_refusal(client, sn, "pk = :p AND sk > :a AND extra = :b", {**p, ":a": N("1"), ":b": N("5")}) == \
        "The number of query conditions (3) exceeds the number of key attributes defined in the schema (2)"


def test_key_condition_problems_in_written_order(client, ss):
    operand = OPERAND.format("begins_with", "N")[len("Invalid KeyConditionExpression: "):]
    undefined = "An expression attribute value used in expression is not defined; attribute value: :missing"
    n = {":n": N("1")}
    assert undefined in query_refusal(client, ss, "pk = :missing AND begins_with(sk, :n)", n)
    assert operand in query_refusal(client, ss, "begins_with(sk, :n) AND pk = :missing", n)
    assert operand in query_refusal(client, ss, "pk = :p AND begins_with(sk, :n) AND sk = :missing", {":p": S("q"), **n})
    assert operand in query_refusal(client, ss, "pk = :p AND begins_with(sk, :n) AND sk > :s",
                                    {":p": S("q"), **n, ":s": S("a")})
    assert operand in query_refusal(client, "vo_query_kce_missing", "pk = :p AND begins_with(sk, :n)",
                                    {":p": S("q"), **n})
    error = failure(client, "query", TableName="vo_query_kce_missing",
                    KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
                    ExpressionAttributeValues={":p": S("q"), ":s": S("a")})
    assert error.response["Error"]["Code"] == "ResourceNotFoundException"


def test_query_ordering_of_member_errors(client, ss):
    values = {"KeyConditionExpression": "#pk = :pk", "ExpressionAttributeNames": {"#pk": "pk"},
              "ExpressionAttributeValues": {":pk": S("test")}}
    assert "validation error" in refusal(client, "query", TableName="abc!", Select="INVALID", **values)
    assert "limit" in refusal(client, "query", TableName=ss, Limit=0, **values).lower()
    assert "returnConsumedCapacity" in refusal(client, "query", TableName=ss, ReturnConsumedCapacity="INVALID",
                                               Select="INVALID", **values)


def test_consistent_reads_on_a_global_index_are_refused(client):
    name = "t-gsi-" + __import__("uuid").uuid4().hex[:8]
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g")],
        GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    message = "Consistent reads are not supported on global secondary indexes"
    assert refusal(client, "query", TableName=name, IndexName="gsi1", KeyConditionExpression="#hk = :v",
                   ExpressionAttributeNames={"#hk": "g"}, ExpressionAttributeValues={":v": S("val")},
                   ConsistentRead=True) == message
    assert refusal(client, "scan", TableName=name, IndexName="gsi1", ConsistentRead=True) == message


# ---- ExclusiveStartKey ----------------------------------------------------------
INVALID_START = "The provided starting key is invalid"
SCAN_START = INVALID_START + ": The provided key element does not match the schema"


def test_a_query_on_a_table_without_a_sort_key_accepts_a_start_key(client):
    table = create_table(client)
    for index in range(3):
        client.put_item(TableName=table, Item={"pk": S("only")})
    page = client.query(TableName=table, KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": S("only")}, ExclusiveStartKey={"pk": S("only")})
    assert page["Count"] == 0 and "LastEvaluatedKey" not in page


@pytest.mark.parametrize("start", [
    {"pk": S("a")},  # the sort key missing
    {"pk": S("a"), "sk": S("x")},  # of the wrong type
    {"pk": S("a"), "sk": N("1"), "x": S("y")},  # an attribute not of the key
    {"pk": N("1"), "sk": N("1")},
    {"sk": N("1")},
])
def test_start_key_faults_in_query_and_scan(client, sn, start):
    assert refusal(client, "query", TableName=sn, KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": S("a")}, ExclusiveStartKey=start) == INVALID_START
    assert refusal(client, "scan", TableName=sn, ExclusiveStartKey=start) == SCAN_START


def test_start_key_must_name_the_index_key(client):
    name = "t-lsi-" + __import__("uuid").uuid4().hex[:8]
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "l")],
        LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                  {"AttributeName": "l", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "ALL"}}])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    table_key = {"pk": S("a"), "sk": S("b")}
    assert refusal(client, "query", TableName=name, IndexName="lsi", KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": S("a")}, ExclusiveStartKey=table_key) == INVALID_START
    assert refusal(client, "scan", TableName=name, IndexName="lsi", ExclusiveStartKey=table_key) == INVALID_START
    assert refusal(client, "scan", TableName=name, IndexName="lsi",
                   ExclusiveStartKey={**table_key, "l": N("1")}) == INVALID_START
    client.scan(TableName=name, IndexName="lsi", ExclusiveStartKey={**table_key, "l": S("c")})


def test_a_start_key_outside_the_condition(client, sn):
    assert refusal(client, "query", TableName=sn, KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": S("a")}, ExclusiveStartKey={"pk": S("b"), "sk": N("1")}) == \
        "The provided starting key is outside query boundaries based on provided conditions"


# ---- Parameter ranges, Select, capacity ----------------------------------------

def test_parameter_ranges(client, sn):
    scan = lambda **params: refusal(client, "scan", TableName=sn, **params)  # noqa: E731
    at_least = "failed to satisfy constraint: Member must have value greater than or equal to"
    assert scan(Limit=0) == ONE + f"Value '0' at 'limit' {at_least} 1"
    assert scan(Segment=-1, TotalSegments=2) == ONE + f"Value '-1' at 'segment' {at_least} 0"
    assert scan(Segment=0, TotalSegments=0) == ONE + f"Value '0' at 'totalSegments' {at_least} 1"
    assert scan(Segment=0, TotalSegments=1000001) == ONE + (
        "Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less "
        "than or equal to 1000000")
    assert scan(Segment=2, TotalSegments=2) == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is "
        "not less than TotalSegments: 2")
    assert scan(Segment=1) == ("The TotalSegments parameter is required but was not present in the request "
                               "when Segment parameter is present")
    specific = "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"
    assert scan(Select="SPECIFIC_ATTRIBUTES") == specific
    assert refusal(client, "query", TableName=sn, KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": S("a")}, Select="SPECIFIC_ATTRIBUTES") == specific


def test_a_small_scan_consumes_half_a_unit_or_one(client):
    table = create_table(client)
    for index in range(3):
        client.put_item(TableName=table, Item={"pk": S(f"k{index}")})
    assert client.scan(TableName=table, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]["CapacityUnits"] == 0.5
    assert client.scan(TableName=table, ReturnConsumedCapacity="TOTAL",
                       ConsistentRead=True)["ConsumedCapacity"]["CapacityUnits"] == 1.0
    empty = create_table(client)
    assert client.scan(TableName=empty, ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]["CapacityUnits"] == 0.5


def test_parallel_scan_pages_cover_the_table_once(client):
    table = create_table(client)
    keys = {f"k{index}" for index in range(40)}
    for key in keys:
        client.put_item(TableName=table, Item={"pk": S(key)})
    seen = []
    for segment in range(3):
        start = None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = client.scan(TableName=table, Segment=segment, TotalSegments=3, Limit=4, **extra)
            assert page["Count"] <= 4
            seen += [item["pk"]["S"] for item in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if start is None:
                break
            assert start == {"pk": page["Items"][-1]["pk"]}
    assert sorted(seen) == sorted(keys)
    whole = [item["pk"]["S"] for item in client.scan(TableName=table)["Items"]]
    assert sorted(whole) == sorted(keys) and whole != sorted(keys)  # in hash order, not key order

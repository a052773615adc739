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

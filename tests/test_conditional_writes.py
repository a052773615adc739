"""ConditionExpression on PutItem and DeleteItem, and condition semantics per
type, end to end (HTTP and embedded)."""
from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError
from support import NO_RETRIES, create_table, http_client


@pytest.fixture
def streams(client, server_url, embedded_db):
    if client.meta.endpoint_url == server_url:
        return http_client(server_url, "dynamodbstreams")
    return embedded_db.client("dynamodbstreams", config=NO_RETRIES)


ITEM = {"pk": {"S": "k"}, "n": {"N": "10"}, "s": {"S": "hello"}, "b": {"B": b"\x01\x02"},
        "u": {"S": "é𝄞"},
        "ss": {"SS": ["a", "b"]}, "l": {"L": [{"N": "1"}, {"S": "x"}]},
        "m": {"M": {"deep": {"S": "v"}}}, "t": {"BOOL": True}, "z": {"NULL": True}}

VALUES = {":n10": {"N": "10.0"}, ":n5": {"N": "5"}, ":n20": {"N": "20"}, ":str": {"S": "hello"},
          ":he": {"S": "he"}, ":a": {"S": "a"}, ":x": {"S": "x"}, ":strtype": {"S": "S"},
          ":one": {"N": "1"}, ":bin": {"B": b"\x01"}, ":true": {"BOOL": True},
          ":ten_as_string": {"S": "10"}, ":three": {"N": "3"}, ":six": {"N": "6"}}


@pytest.mark.parametrize("condition, holds", [
    ("n = :n10", True),                 # numbers compare by value: 10 == 10.0
    ("n <> :n10", False),
    ("n > :n5 AND n < :n20", True),
    ("n BETWEEN :n5 AND :n20", True),
    ("n IN (:n5, :n20)", False),
    ("n IN (:n5, :n10)", True),
    ("n = :ten_as_string", False),       # different types are never equal
    ("n <> :ten_as_string", True),
    ("n > :ten_as_string", False),       # ... nor ordered
    ("s = :str", True),
    ("s > :he", True),                   # strings by bytes
    ("begins_with(s, :he)", True),
    ("begins_with(b, :bin)", True),
    ("contains(s, :he)", True),
    ("contains(ss, :a)", True),
    ("contains(l, :x)", True),
    ("contains(l, :one)", True),
    ("attribute_exists(m.deep)", True),
    ("attribute_not_exists(m.nope)", True),
    ("attribute_type(s, :strtype)", True),
    ("attribute_type(n, :strtype)", False),
    ("size(s) = :n5", True),
    ("size(u) = :three", True),          # UTF-16 code units, as DynamoDB counts
    ("size(u) = :six", False),           # not UTF-8 bytes
    ("size(ss) > :one", True),
    ("size(l) = :one", False),
    ("l[1] = :x", True),
    ("t = :true", True),
    ("NOT n = :n10 OR s = :str", True),   # NOT binds tighter than OR
    ("NOT (n = :n10 OR s = :str)", False),
    ("n = :n5 OR n = :n10 AND s = :he", False),  # AND before OR: 10=5 or (10=10 and no)
    ("absent = :n5", False),
    ("absent <> :n5", True),
    ("attribute_exists(z)", True),
])
def test_put_condition_semantics(client, table, condition, holds):
    client.put_item(TableName=table, Item=ITEM)
    used = {name: VALUES[name] for name in re.findall(r":\w+", condition)}
    request = {"TableName": table, "Item": {**ITEM, "written": {"BOOL": True}},
               "ConditionExpression": condition}
    if used:
        request["ExpressionAttributeValues"] = used
    if holds:
        client.put_item(**request)
    else:
        with pytest.raises(ClientError) as info:
            client.put_item(**request)
        assert info.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    stored = client.get_item(TableName=table, Key={"pk": {"S": "k"}}, ConsistentRead=True)
    assert ("written" in stored["Item"]) is holds


def test_put_if_absent_and_delete_if_present(client, table):
    key = {"pk": {"S": "once"}}
    client.put_item(TableName=table, Item=key, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ClientError) as info:
        client.put_item(TableName=table, Item={**key, "v": {"N": "2"}},
                        ConditionExpression="attribute_not_exists(pk)",
                        ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert info.value.response["Item"] == key
    response = client.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD",
                                  ConditionExpression="attribute_exists(pk)")
    assert response["Attributes"] == key
    with pytest.raises(ClientError) as info:
        client.delete_item(TableName=table, Key=key, ConditionExpression="attribute_exists(pk)",
                           ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert info.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert "Item" not in info.value.response  # nothing was there to return


def test_failed_condition_writes_no_stream_record(client, streams):
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "NEW_IMAGE"})
    client.put_item(TableName=table, Item={"pk": {"S": "a"}})
    with pytest.raises(ClientError):
        client.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}},
                        ConditionExpression="attribute_not_exists(pk)")
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT"]


@pytest.mark.parametrize("request_extra, message", [
    ({"ConditionExpression": "a = :v"},
     "Invalid ConditionExpression: An expression attribute value used in expression is not "
     "defined; attribute value: :v"),
    ({"ConditionExpression": "a = = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
     'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"'),
    ({"ConditionExpression": "", "ExpressionAttributeValues": {":v": {"N": "1"}}},
     "Invalid ConditionExpression: The expression can not be empty;"),
    ({"ConditionExpression": "#a = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}},
     "Invalid ConditionExpression: An expression attribute name used in the document path is "
     "not defined; attribute name: #a"),
    ({"ConditionExpression": "a = :v", "ExpressionAttributeValues": {":v": {"N": "1"}},
      "Expected": {"a": {"Exists": False}}},
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"),
    ({"ExpressionAttributeValues": {":v": {"N": "1"}}},
     "ExpressionAttributeValues can only be specified when using expressions"),
    ({"ConditionExpression": "a BETWEEN :hi AND :lo",
      "ExpressionAttributeValues": {":lo": {"N": "1"}, ":hi": {"N": "2"}}},
     "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
     "than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound "
     "operand: AttributeValue: {N:1}"),
    ({"ConditionExpression": "a = a"},
     "Invalid ConditionExpression: The first operand must be distinct from the remaining "
     "operands for this operator or function; operator: =, first operand: [a]"),
    ({"ConditionExpression": "begins_with(a, :n)", "ExpressionAttributeValues": {":n": {"N": "1"}}},
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: begins_with, operand type: N"),
    ({"ConditionExpression": "a < :m", "ExpressionAttributeValues": {":m": {"M": {}}}},
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: <, operand type: M"),
    ({"ConditionExpression": "a BETWEEN :n AND :s",
      "ExpressionAttributeValues": {":n": {"N": "1"}, ":s": {"S": "a"}}},
     "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and "
     "upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
     "AttributeValue: {S:a}"),
    ({"ConditionExpression": "attribute_type(a, :t)",
      "ExpressionAttributeValues": {":t": {"S": "STRING"}}},
     "Invalid ConditionExpression: Invalid attribute type name found; type: STRING, valid "
     "types: { B,BOOL,BS,L,M,N,NS,NULL,S,SS }"),
])
def test_condition_errors(client, table, request_extra, message):
    with pytest.raises(ClientError) as info:
        client.put_item(TableName=table, Item={"pk": {"S": "e"}}, **request_extra)
    # PutItem reports what it finds before its table lookup inside the
    # envelope (AWS captures of 2026: tests/test_fidelity_items.py)
    assert info.value.response["Error"] == {"Code": "ValidationException",
                                            "Message": "1 validation error detected: " + message}
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "e"}})


def test_failed_condition_still_costs(client, table):
    client.put_item(TableName=table, Item={"pk": {"S": "c"}, "big": {"S": "x" * 2500}})
    request = {"TableName": table, "Key": {"pk": {"S": "c"}},
               "ConditionExpression": "attribute_not_exists(pk)"}
    with pytest.raises(ClientError):
        client.delete_item(**request)
    usage = client.delete_item(TableName=table, Key={"pk": {"S": "c"}},
                               ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]
    assert usage["CapacityUnits"] == 3.0

"""Bad input never produces an HTTP 500: every operation answers malformed
requests with a DynamoDB-style 4xx error and leaves stored data unchanged."""
from __future__ import annotations

import base64
import io
import time
import zipfile

import orjson
import pytest
from support import open_db

from dynalite_py.engine import OPERATIONS
from dynalite_py.protocol import rest, wire
from dynalite_py.protocol.service_models import service_model


def nested_list(depth: int) -> bytes:
    return b'{"L": [' * depth + b'{"S": "x"}' + b"]}" * depth

BODIES = [
    b"[]", b'"text"', b"1", b"null", b"true", b"{}",
    b'{"TableName": {}}', b'{"TableName": ["a"]}', b'{"TableName": 12}', b'{"TableName": null}',
    b'{"TableName": "ok-table", "Item": []}', b'{"TableName": "ok-table", "Key": "x"}',
    b'{"TableName": "ok-table", "Item": {"pk": {"S": "a"}, "x": {"Z": 1}}}',
    b'{"TableName": "ok-table", "Item": {"pk": {"S": "a"}, "x": {"B": "!!notbase64"}}}',
    b'{"TableName": "ok-table", "Item": {"pk": {"S": "a"}, "x": {"N": "1e999999999999"}}}',
    b'{"TableName": "ok-table", "Key": {"pk": {"S": "a", "N": "1"}}}',
    b'{"TableName": "ok-table", "Limit": 1e400}',
    b'{"TableName": "ok-table", "KeySchema": [{"AttributeName": "pk"}], "AttributeDefinitions": [{}]}',
    b'{"TableName": "ok-table", "ProvisionedThroughput": {"ReadCapacityUnits": -1, "WriteCapacityUnits": 99999999999999999999999}}',
    b'{"TableName": "ok-table", "Item": {"pk": {"S": "a"}, "deep": ' + nested_list(40) + b"}}",
    b'{"TableName": "ok-table", "Item": {"pk": {"S": "a"}, "deep": ' + nested_list(5000) + b"}}",
    b'{"TableName": "ok-table", "ProjectionExpression": "#", "Key": {"pk": {"S": "a"}}}',
    b'{"TableName": "ok-table", "\\ud800": 1}',
    b'{"StreamArn": "nonsense", "ShardIterator": "a|b|c", "ShardId": "x", "ShardIteratorType": "LATEST"}',
    b'{"StreamArn": "arn:aws:dynamodb:us-east-1:0:table/x/stream/y", "ShardIterator": "|1|!!", '
    b'"ShardId": "shardId-1", "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": "12a"}',
]


@pytest.fixture(scope="module")
def engine():
    with open_db(table_status_delay=0.0) as db:
        db.call("CreateTable", {"TableName": "ok-table", "BillingMode": "PAY_PER_REQUEST",
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                                "DeletionProtectionEnabled": True})  # valid DeleteTable bodies must not drop it
        db.call("PutItem", {"TableName": "ok-table", "Item": {"pk": {"S": "keep"}, "v": {"N": "1"}}})
        yield db.engine


TARGETS = [f"{prefix}.{operation}" for prefix, service in wire.SERVICE_PREFIXES.items()
           for operation in sorted(OPERATIONS[service])]


@pytest.mark.parametrize("target", TARGETS)
def test_malformed_requests_get_dynamodb_errors(engine, target):
    for body in BODIES:
        status, headers, payload = wire.handle(engine, target, body)
        assert status < 500, (target, body[:80], payload)
        if status != 200:
            error = orjson.loads(payload)
            assert error["__type"].split("#")[1].endswith("Exception"), error
    got = engine.call("GetItem", {"TableName": "ok-table", "Key": {"pk": {"S": "keep"}}})
    assert got["Item"] == {"pk": {"S": "keep"}, "v": {"N": "1"}}


# --- Issue 31, defect 4: JSON nulls where DynamoDB expects values -----------------------
# Each gave HTTP 500. The messages are DynamoDB Local's InputConverter and
# TransactionErrorMapper (the item conversion DynamoDB's frontend shares);
# aws/aws-sdk-java#2103 shows the real service answering a null list element
# with "The supplied Item contains a null AttributeValue". Set members:
# DynamoDB Local's string-set check, dynalite validateAttributeValue's for
# binary and number sets.
ITEM = {"pk": {"S": "a"}}
NULL_VALUE = "The supplied Item contains a null AttributeValue"
NULL_CONDITION = "The filter condition for an attribute cannot be null"
NULL_CASES = [
    ("PutItem", {"TableName": "ok-table", "Item": {**ITEM, "x": None}}, f"{NULL_VALUE}: x is null"),
    ("PutItem", {"TableName": "ok-table", "Item": {**ITEM, "x": {"M": {"y": None}}}},
     f"{NULL_VALUE}: y is null"),
    ("PutItem", {"TableName": "ok-table", "Item": {**ITEM, "x": {"L": [{"S": "b"}, None]}}},
     NULL_VALUE),
    ("PutItem", {"TableName": "ok-table", "Item": {**ITEM, "x": {"SS": ["b", None]}}},
     "One or more parameter values were invalid: An string set may not have a null string as "
     "a member"),
    ("PutItem", {"TableName": "ok-table", "Item": {**ITEM, "x": {"BS": ["YQ==", None]}}},
     "One or more parameter values were invalid: Binary sets may not contain null or empty "
     "values"),
    ("PutItem", {"TableName": "ok-table", "Item": {**ITEM, "x": {"NS": [None, "1"]}}},
     "The parameter cannot be converted to a numeric value"),
    ("PutItem", {"TableName": "ok-table", "Item": ITEM, "Expected": {"x": None}},
     "One or more parameter values were invalid: ExpectedAttributeValue must not be null for "
     "Attribute: x"),
    ("PutItem", {"TableName": "ok-table", "Item": ITEM, "Expected": {"x": {
        "ComparisonOperator": "IN", "AttributeValueList": [None]}}}, NULL_VALUE),
    ("PutItem", {"TableName": "ok-table", "Item": ITEM, "ConditionExpression": "x = :v",
                 "ExpressionAttributeValues": {":v": None}},
     f"ExpressionAttributeValues contains invalid value: {NULL_VALUE} for key :v"),
    ("GetItem", {"TableName": "ok-table", "Key": {"pk": None}}, f"{NULL_VALUE}: pk is null"),
    ("GetItem", {"TableName": "ok-table", "Key": ITEM, "ProjectionExpression": "#a",
                 "ExpressionAttributeNames": {"#a": None}},
     "ExpressionAttributeNames contains invalid value: null for key #a"),
    ("DeleteItem", {"TableName": "ok-table", "Key": {"pk": None}}, f"{NULL_VALUE}: pk is null"),
    ("UpdateItem", {"TableName": "ok-table", "Key": ITEM, "UpdateExpression": "SET #a = :v",
                    "ExpressionAttributeNames": {"#a": None},
                    "ExpressionAttributeValues": {":v": {"S": "x"}}},
     "ExpressionAttributeNames contains invalid value: null for key #a"),
    ("UpdateItem", {"TableName": "ok-table", "Key": ITEM, "AttributeUpdates": {"x": None}},
     "Supplied AttributeValueUpdate is empty, must contain one of the supported actions: x is "
     "null"),
    ("Query", {"TableName": "ok-table", "KeyConditionExpression": "pk = :v",
               "ExpressionAttributeValues": {":v": None}},
     f"ExpressionAttributeValues contains invalid value: {NULL_VALUE} for key :v"),
    ("Query", {"TableName": "ok-table", "KeyConditions": {"pk": {
        "ComparisonOperator": "EQ", "AttributeValueList": [None]}}}, NULL_VALUE),
    ("Query", {"TableName": "ok-table", "KeyConditions": {"pk": None}}, f"{NULL_CONDITION}: pk"),
    ("Query", {"TableName": "ok-table", "KeyConditions": {"pk": {
        "ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}}, "QueryFilter": {"x": None}},
     f"{NULL_CONDITION}: x"),
    ("Query", {"TableName": "ok-table", "KeyConditionExpression": "pk = :v",
               "ExpressionAttributeValues": {":v": {"S": "a"}}, "ExclusiveStartKey": {"pk": None}},
     f"{NULL_VALUE}: pk is null"),
    ("Scan", {"TableName": "ok-table", "ExclusiveStartKey": {"pk": None}},
     f"{NULL_VALUE}: pk is null"),
    ("Scan", {"TableName": "ok-table", "ScanFilter": {"x": None}}, f"{NULL_CONDITION}: x"),
    ("BatchWriteItem", {"RequestItems": {"ok-table": [{"PutRequest": {"Item": {**ITEM, "x": None}}}]}},
     f"{NULL_VALUE}: x is null"),
    ("BatchWriteItem", {"RequestItems": {"ok-table": [{"DeleteRequest": {"Key": {"pk": None}}}]}},
     f"{NULL_VALUE}: pk is null"),
    ("BatchWriteItem", {"RequestItems": {"ok-table": None}},
     "The batch write request list for a table cannot be null or empty: ok-table"),
    ("BatchWriteItem", {"RequestItems": {"ok-table": [None]}},
     "The batch write request list for a table cannot be null or empty"),
    # neither request (an unknown member only): DynamoDB Local's answer to a WriteRequest
    # that is both or neither
    ("BatchWriteItem", {"RequestItems": {"ok-table": [{"L": [None]}]}},
     "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
     "supported datatypes"),
    ("BatchWriteItem", {"RequestItems": {"ok-table": [{"PutRequest": {"Item": ITEM},
                                                       "DeleteRequest": {"Key": ITEM}}]}},
     "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
     "supported datatypes"),
    ("BatchGetItem", {"RequestItems": {"ok-table": {"Keys": [{"pk": None}]}}},
     f"{NULL_VALUE}: pk is null"),
    ("BatchGetItem", {"RequestItems": {"ok-table": {"Keys": [None]}}},
     "The list of keys in RequestItems for BatchGetItem may not contain null or empty values: "
     "ok-table has one or more empty keys"),
    ("BatchGetItem", {"RequestItems": {"ok-table": None}},
     "The list of keys in RequestItems for BatchGetItem is required: ok-table has empty list"),
    ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "ok-table",
                                                       "Item": {**ITEM, "x": None}}}]},
     f"{NULL_VALUE}: x is null"),
    ("TransactWriteItems", {"TransactItems": [None]},
     "1 validation error detected: Value null at 'transactItems.1.member' failed to satisfy "
     "constraint: Member must not be null"),
    ("TransactGetItems", {"TransactItems": [{"Get": {"TableName": "ok-table", "Key": {"pk": None}}}]},
     f"{NULL_VALUE}: pk is null"),
    ("TransactGetItems", {"TransactItems": [None]},
     "1 validation error detected: Value null at 'transactItems.1.member' failed to satisfy "
     "constraint: Member must not be null"),
    ("UpdateTable", {"TableName": "ok-table", "GlobalSecondaryIndexUpdates": [None]},
     "1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member' failed "
     "to satisfy constraint: Member must not be null"),
]


# the single-item writes report what they find before the table lookup inside
# the envelope (AWS captures of 2026: tests/test_fidelity_items.py)
ENVELOPED = ("PutItem", "UpdateItem", "DeleteItem")


@pytest.mark.parametrize("operation, request_body, message", NULL_CASES,
                         ids=[f"{case[0]}-{index}" for index, case in enumerate(NULL_CASES)])
def test_nulls_get_dynamodbs_validation_errors(engine, operation, request_body, message):
    status, _, payload = wire.handle(engine, f"DynamoDB_20120810.{operation}",
                                     orjson.dumps(request_body))
    if operation in ENVELOPED:
        message = "1 validation error detected: " + message
    assert (status, orjson.loads(payload)) == (400, {
        "__type": "com.amazon.coral.validate#ValidationException", "message": message})


# --- Issue 31, defect 7: a body that is not a JSON object --------------------------------

@pytest.mark.parametrize("target", TARGETS)
def test_a_body_that_is_not_an_object_is_a_serialization_error(engine, target):
    service = wire.SERVICE_PREFIXES[target.split(".")[0]]
    operation = target.split(".")[1]
    shape = service_model(service)["operations"][operation]["input"]["shape"]
    for body, message in ((b"null", "Unexpected value type in payload"),
                          (b"1", "Unexpected value type in payload"),
                          (b'"x"', "Unexpected value type in payload"),
                          (b"true", "Unexpected value type in payload"),
                          (b"[]", f"Unrecognized collection type class "
                                  f"com.amazonaws.dynamodb.v20120810.{shape}")):
        status, _, payload = wire.handle(engine, target, body)
        assert (status, orjson.loads(payload)) == (400, {
            "__type": "com.amazon.coral.service#SerializationException", "Message": message})
    status, _, _ = wire.handle(engine, "DynamoDB_20120810.ListTables", b"")  # no body: {}
    assert status == 200


# --- GetShardIterator AT_TIMESTAMP (in the model since 2025; it gave HTTP 500) ----------

def test_shard_iterator_at_timestamp(engine):
    engine.call("CreateTable", {"TableName": "ts-table", "BillingMode": "PAY_PER_REQUEST",
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                "AttributeDefinitions": [{"AttributeName": "pk",
                                                          "AttributeType": "S"}],
                                "StreamSpecification": {"StreamEnabled": True,
                                                        "StreamViewType": "KEYS_ONLY"}})
    arn = engine.call("DescribeTable", {"TableName": "ts-table"})["Table"]["LatestStreamArn"]
    start = float(int(time.time())) + 10
    clock = [start]
    original = engine.clock
    engine.clock = lambda: clock[0]
    try:
        for index in range(3):
            engine.call("PutItem", {"TableName": "ts-table", "Item": {"pk": {"S": f"k{index}"}}})
            clock[0] += 10
        shard = engine.call("DescribeStream", {"StreamArn": arn}, "dynamodbstreams")[
            "StreamDescription"]["Shards"][0]["ShardId"]
        request = {"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "AT_TIMESTAMP"}

        def keys_from(timestamp):
            iterator = engine.call("GetShardIterator", dict(request, Timestamp=timestamp),
                                   "dynamodbstreams")["ShardIterator"]
            records = engine.call("GetRecords", {"ShardIterator": iterator},
                                  "dynamodbstreams")["Records"]
            return [record["dynamodb"]["Keys"]["pk"]["S"] for record in records]
        assert keys_from(0) == ["k0", "k1", "k2"]
        assert keys_from(start + 5) == ["k1", "k2"]
        assert keys_from(start + 20) == ["k2"]
        assert keys_from(start + 29) == []
        for timestamp, message in (
                (None, "Must provide Timestamp for ShardIteratorType AT_TIMESTAMP"),
                (start + 31, f"The Timestamp {start + 31} is in the future")):
            body = dict(request) if timestamp is None else dict(request, Timestamp=timestamp)
            status, _, payload = wire.handle(engine, "DynamoDBStreams_20120810.GetShardIterator",
                                             orjson.dumps(body))
            assert (status, orjson.loads(payload)["message"]) == (400, message)
    finally:
        engine.clock = original


# --- Issue 31, defect 4: Lambda members null or missing -----------------------------------

def _lambda(engine, method: str, path: str, body: dict | None = None, query: str = ""):
    status, headers, payload = rest.handle(engine, method, path, query,
                                           {"Content-Type": "application/json"},
                                           orjson.dumps(body) if body is not None else b"")
    return status, headers, orjson.loads(payload) if payload else None


def test_lambda_nulls_and_bad_markers_get_lambdas_errors(engine):
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("lambda_function.py", "def handler(event, context):\n    return 1\n")
    status, _, _ = _lambda(engine, "POST", "/2015-03-31/functions", {
        "FunctionName": "null-fn", "Runtime": "python3.11", "Handler": "lambda_function.handler",
        "Role": "arn:aws:iam::000000000000:role/r",
        "Code": {"ZipFile": base64.b64encode(code.getvalue()).decode()}})
    assert status == 201
    # EventSourceArn is optional in the model (Kafka sources have none): AWS's
    # answer without one, as LocalStack's snapshot-tested provider gives it
    # (localstack/localstack#7696); it was a plain-text 500
    for body in ({"FunctionName": "null-fn", "StartingPosition": "LATEST"},
                 {"FunctionName": "null-fn", "StartingPosition": "LATEST", "EventSourceArn": None}):
        status, headers, answer = _lambda(engine, "POST", "/2015-03-31/event-source-mappings", body)
        assert (status, headers["x-amzn-ErrorType"], answer) == (
            400, "InvalidParameterValueException",
            {"Type": "User", "message": "Unrecognized event source."})
    # a Marker this API did not issue (it was int(marker): a 500)
    for path in ("/2015-03-31/functions", "/2015-03-31/event-source-mappings"):
        status, headers, answer = _lambda(engine, "GET", path, query="Marker=abc")
        assert (status, headers["x-amzn-ErrorType"], answer["message"]) == (
            400, "InvalidParameterValueException", "Invalid marker: abc")
    # null settings are absent ones (DestinationConfig null was a 500)
    arn = engine.call("CreateTable", {
        "TableName": "esm-table", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}}
    )["TableDescription"]["LatestStreamArn"]
    status, _, mapping = _lambda(engine, "POST", "/2015-03-31/event-source-mappings", {
        "FunctionName": "null-fn", "EventSourceArn": arn, "StartingPosition": "LATEST",
        "Enabled": False, "BatchSize": None, "DestinationConfig": None})
    assert status == 202 and mapping["BatchSize"] == 100
    status, _, updated = _lambda(engine, "PUT", f"/2015-03-31/event-source-mappings/"
                                 f"{mapping['UUID']}", {"DestinationConfig": None,
                                                        "Enabled": None, "BatchSize": None})
    assert status == 202 and updated["BatchSize"] == 100 and updated["State"] == "Updating"


def test_a_lambda_bug_is_answered_in_lambdas_envelope(engine, monkeypatch):
    # a plain-text 500 broke the keep-alive connection: any error is JSON
    monkeypatch.setattr(engine, "call", lambda *args: {}["missing"])
    status, headers, answer = _lambda(engine, "GET", "/2015-03-31/functions")
    assert (status, headers["x-amzn-ErrorType"], answer) == (
        500, "ServiceException", {"Type": "Service", "message": "Internal server error"})

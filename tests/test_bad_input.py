"""Bad input never produces an HTTP 500: every operation answers malformed
requests with a DynamoDB-style 4xx error and leaves stored data unchanged."""
from __future__ import annotations

import orjson
import pytest
from support import open_db

from dynalite_py import wire
from dynalite_py.api import OPERATIONS


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

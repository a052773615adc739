"""Fuzzing the wire protocol: whatever arrives, the answer is a DynamoDB-style
error or success, never an internal error, and stored data is unchanged.

CI runs a bounded sample; set DYNALITE_FUZZ_EXAMPLES (e.g. 100000) for the
long run.
"""
from __future__ import annotations

import json
import os

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import open_db

from dynalite_py.engine import OPERATIONS
from dynalite_py.protocol import wire

EXAMPLES = int(os.environ.get("DYNALITE_FUZZ_EXAMPLES", "300"))
TARGETS = [f"{prefix}.{operation}" for prefix, service in wire.SERVICE_PREFIXES.items()
           for operation in sorted(OPERATIONS[service])]
MEMBERS = ["TableName", "Key", "Item", "KeySchema", "AttributeDefinitions", "BillingMode",
           "ProvisionedThroughput", "ProjectionExpression", "ExpressionAttributeNames",
           "ExpressionAttributeValues", "AttributesToGet", "RequestItems", "TransactItems",
           "KeyConditions", "IndexName", "Limit", "ExclusiveStartKey", "Segment",
           "TotalSegments", "Select", "ReturnValues", "ReturnConsumedCapacity", "StreamArn",
           "ShardId", "ShardIterator", "ShardIteratorType", "SequenceNumber",
           "TimeToLiveSpecification", "StreamSpecification", "ConsistentRead"]
TYPES = ["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL", "X"]

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=40) | st.sampled_from(["fuzz-table", "", "1e999", "!!", "#a", ":v"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                           | st.dictionaries(st.text(max_size=8) | st.sampled_from(TYPES + MEMBERS),
                                             inner, max_size=5), max_leaves=30)
attribute_values = st.recursive(
    st.builds(lambda kind, value: {kind: value}, st.sampled_from(TYPES), scalars),
    lambda inner: st.builds(lambda kind, value: {kind: value}, st.sampled_from(["M", "L"]),
                            st.dictionaries(st.text(max_size=5), inner, max_size=3)
                            | st.lists(inner, max_size=3)), max_leaves=10)
requests = st.dictionaries(st.sampled_from(MEMBERS),
                           json_values | st.dictionaries(st.text(max_size=6), attribute_values,
                                                         max_size=4), max_size=6)
def _dumps(value) -> bytes:
    return json.dumps(value).encode()  # stdlib: any int size, Infinity for huge floats


bodies = (st.builds(_dumps, requests) | st.builds(_dumps, json_values)
          | st.binary(max_size=200))


@pytest.fixture(scope="module")
def engine():
    with open_db(table_status_delay=0.0) as db:
        db.call("CreateTable", {"TableName": "fuzz-table", "BillingMode": "PAY_PER_REQUEST",
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                                "DeletionProtectionEnabled": True})
        db.call("PutItem", {"TableName": "fuzz-table", "Item": {"pk": {"S": "canary"}, "v": {"N": "7"}}})
        yield db.engine


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(target=st.sampled_from(TARGETS) | st.text(max_size=30), body=bodies)
def test_any_request_gets_a_dynamodb_style_answer(engine, target, body):
    status, headers, payload = wire.handle(engine, target, body)
    assert status < 500, (target, body, payload)
    assert int(headers["x-amz-crc32"]) >= 0
    answer = orjson.loads(payload)
    if status != 200:
        assert answer["__type"].split("#", 1)[1], answer


def test_canary_survives(engine):
    got = engine.call("GetItem", {"TableName": "fuzz-table", "Key": {"pk": {"S": "canary"}}})
    assert got["Item"] == {"pk": {"S": "canary"}, "v": {"N": "7"}}

"""The HTTP wire protocol: headers, error envelopes and transport rules."""
from __future__ import annotations

import zlib

import httpx
import orjson
import pytest

HEADERS = {"Content-Type": "application/x-amz-json-1.0",
           "Authorization": "AWS4-HMAC-SHA256 Credential=any/20260101/us-east-1/dynamodb/aws4_request, "
                            "SignedHeaders=host, Signature=abc"}


def post(url: str, target: str | None, body: bytes, headers: dict | None = None) -> httpx.Response:
    sent = dict(HEADERS if headers is None else headers)
    if target is not None:
        sent["X-Amz-Target"] = target
    return httpx.post(url + "/", content=body, headers=sent)


def test_success_has_crc32_request_id_and_cors(server_url):
    response = post(server_url, "DynamoDB_20120810.ListTables", b"{}")
    assert response.status_code == 200
    assert int(response.headers["x-amz-crc32"]) == zlib.crc32(response.content)
    assert len(response.headers["x-amzn-requestid"]) == 52
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["content-type"] == "application/x-amz-json-1.0"


def test_missing_authorization(server_url):
    response = post(server_url, "DynamoDB_20120810.ListTables", b"{}",
                    headers={"Content-Type": "application/x-amz-json-1.0"})
    assert response.status_code == 400
    assert response.json() == {
        "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
        "message": "Request is missing Authentication Token"}


@pytest.mark.parametrize("target", [None, "DynamoDB_20120810.NoSuchThing", "Nope.ListTables",
                                    "DynamoDB_20120810"])
def test_unknown_operation(server_url, target):
    response = post(server_url, target, b"{}")
    assert response.status_code == 400
    assert response.json()["__type"] == "com.amazon.coral.service#UnknownOperationException"


@pytest.mark.parametrize("body", [b"{", b"not json", b"\xff\xfe", b'{"TableName": }'])
def test_malformed_json_is_a_serialization_error(server_url, body):
    response = post(server_url, "DynamoDB_20120810.DescribeTable", body)
    assert response.status_code == 400
    assert response.json()["__type"] == "com.amazon.coral.service#SerializationException"


def test_missing_member_validation_message(server_url):
    response = post(server_url, "DynamoDB_20120810.PutItem", b'{"Item": {"a": {"S": "b"}}}')
    assert response.status_code == 400
    assert response.json() == {
        "__type": "com.amazon.coral.validate#ValidationException",
        "message": "1 validation error detected: Value null at 'tableName' failed to satisfy "
                   "constraint: Member must not be null"}


def test_several_validation_errors_are_aggregated(server_url):
    response = post(server_url, "DynamoDB_20120810.PutItem", b"{}")
    assert response.json()["message"] == (
        "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null; Value null at 'item' failed to satisfy constraint: "
        "Member must not be null")


def test_error_envelope_namespace(server_url):
    response = post(server_url, "DynamoDB_20120810.DescribeTable", orjson.dumps({"TableName": "absent"}))
    assert response.status_code == 400
    assert response.json() == {
        "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
        "message": "Requested resource not found: Table: absent not found"}


def test_oversized_body_is_rejected_with_413(server_url):
    body = b'{"TableName": "' + b"x" * (16 * 1024 * 1024) + b'"}'
    response = post(server_url, "DynamoDB_20120810.DescribeTable", body)
    assert response.status_code == 413


def test_health_and_preflight(server_url):
    assert httpx.get(server_url + "/").status_code == 200
    preflight = httpx.options(server_url + "/", headers={
        "Origin": "http://example.test", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-amz-target,content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-headers"] == "x-amz-target,content-type"


def test_streams_target_is_routed(server_url):
    response = post(server_url, "DynamoDBStreams_20120810.ListStreams", b"{}")
    assert response.status_code == 200
    assert "Streams" in response.json()
    response = post(server_url, "DynamoDBStreams_20120810.NoSuchThing", b"{}")
    assert response.json()["__type"].endswith("#UnknownOperationException")

"""SigV4 verification with --auth: right keys pass; everything else is refused
with AWS's error names."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from unittest import mock

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from support import NO_RETRIES, start_server

from server.auth import Verifier

KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
BODY = b'{"TableName": "anything"}'
TARGET = "DynamoDB_20120810.DescribeTable"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("auth")
    credentials = directory / "credentials"
    credentials.write_text(f"[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n")
    process, url = start_server(str(directory / "data"), "--auth", str(credentials))
    yield url
    process.terminate()
    process.wait(10)


def client_with(url: str, key: str, secret: str):
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret, config=NO_RETRIES)


def signed(url: str, body: bytes = BODY, secret: str = SECRET, when: datetime | None = None):
    request = AWSRequest(method="POST", url=url + "/", data=body,
                         headers={"X-Amz-Target": TARGET,
                                  "Content-Type": "application/x-amz-json-1.0"})
    signer = SigV4Auth(Credentials(KEY, secret), "dynamodb", "us-east-1")
    moment = (when or datetime.now(timezone.utc)).replace(tzinfo=None)
    # sign as of `when`, as a replayed or clock-skewed client would
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment):
        signer.add_auth(request)
    return request


def send(request: AWSRequest, body: bytes | None = None) -> httpx.Response:
    return httpx.post(request.url, content=request.body if body is None else body,
                      headers=dict(request.headers.items()))


def error_type(response: httpx.Response) -> str:
    return response.json()["__type"].split("#")[1]


def test_boto3_with_the_right_keys_works_unchanged(auth_server):
    client = client_with(auth_server, KEY, SECRET)
    client.create_table(TableName="signed", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    client.get_waiter("table_exists").wait(TableName="signed", WaiterConfig={"Delay": 0.01})
    client.put_item(TableName="signed", Item={"pk": {"S": "a"}})
    assert client.get_item(TableName="signed", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}


def test_unknown_key_and_wrong_secret(auth_server):
    with pytest.raises(ClientError) as info:
        client_with(auth_server, "AKIDUNKNOWN", SECRET).list_tables()
    assert info.value.response["Error"] == {
        "Code": "UnrecognizedClientException",
        "Message": "The security token included in the request is invalid."}
    with pytest.raises(ClientError) as info:
        client_with(auth_server, KEY, "not-the-secret").list_tables()
    assert info.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_tampered_body_and_headers_are_refused(auth_server):
    request = signed(auth_server)
    assert send(request).status_code == 400  # (table absent) but authenticated
    assert error_type(send(request)) == "ResourceNotFoundException"
    assert error_type(send(request, b'{"TableName": "signed"}')) == "InvalidSignatureException"
    request.headers.replace_header("X-Amz-Target", "DynamoDB_20120810.DeleteTable")
    assert error_type(send(request)) == "InvalidSignatureException"


def test_replayed_after_skew_and_from_the_future(auth_server):
    now = datetime.now(timezone.utc)
    old = send(signed(auth_server, when=now - timedelta(minutes=16)))
    assert error_type(old) == "InvalidSignatureException"
    assert old.json()["message"].startswith("Signature expired: ")
    future = send(signed(auth_server, when=now + timedelta(minutes=16)))
    assert future.json()["message"].startswith("Signature not yet current: ")
    assert error_type(send(signed(auth_server, when=now - timedelta(minutes=14)))) == (
        "ResourceNotFoundException")


def test_unsigned_and_incomplete_requests(auth_server):
    json_1_0 = {"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.0"}
    bare = httpx.post(auth_server + "/", content=BODY, headers=json_1_0)
    assert error_type(bare) == "MissingAuthenticationTokenException"
    partial = httpx.post(auth_server + "/", content=BODY, headers={
        **json_1_0, "X-Amz-Date": "20260101T000000Z",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={KEY}/20260101/us-east-1/dynamodb/aws4_request"})
    assert error_type(partial) == "IncompleteSignatureException"
    assert "requires 'SignedHeaders' parameter" in partial.json()["message"]


def test_presigned_requests(auth_server):
    request = AWSRequest(method="POST", url=auth_server + "/", data=BODY,
                         headers={"X-Amz-Target": TARGET,
                                  "Content-Type": "application/x-amz-json-1.0"})
    SigV4QueryAuth(Credentials(KEY, SECRET), "dynamodb", "us-east-1", expires=60).add_auth(request)
    body = request.body or b""  # botocore moves a presigned request's parameters into the query
    response = httpx.post(request.url, content=body, headers=dict(request.headers.items()))
    assert error_type(response) == "ValidationException"  # authenticated; the body is empty
    forged = request.url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    response = httpx.post(forged, content=body, headers=dict(request.headers.items()))
    assert error_type(response) == "InvalidSignatureException"


def test_verifier_checks_expiry_of_presigned_urls():
    verifier = Verifier({KEY: SECRET})
    request = AWSRequest(method="POST", url="http://localhost:1/", data=BODY,
                         headers={"X-Amz-Target": TARGET})
    SigV4QueryAuth(Credentials(KEY, SECRET), "dynamodb", "us-east-1", expires=60).add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = "localhost:1"
    body = request.body or b""
    verifier.verify("POST", request.url, headers, body)
    later = datetime.now(timezone.utc) + timedelta(minutes=17)
    with pytest.raises(Exception) as info:
        verifier.verify("POST", request.url, headers, body, now=later)
    assert info.value.name == "InvalidSignatureException"

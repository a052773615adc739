"""The HTTP wire protocol: headers, error envelopes and transport rules."""
from __future__ import annotations

import zlib

import httpx
import orjson
import pytest

pytestmark = pytest.mark.any_store("the wire protocol is the server's")

# as the SDKs send them (botocore asks for no compression: Accept-Encoding identity)
HEADERS = {"Content-Type": "application/x-amz-json-1.0", "Accept-Encoding": "identity",
           "X-Amz-Date": "20260101T000000Z",
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


# --- the fast lane (server/fastlane.py) and the ASGI path answer alike ---------------

def raw_exchange(url: str, data: bytes, responses: int = 1) -> list[tuple[bytes, dict, bytes]]:
    """Send raw bytes on a new connection; (status line, headers, body) of each
    response read back, in order."""
    import socket
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(data)
        buffer, answers = b"", []
        while len(answers) < responses:
            while b"\r\n\r\n" not in buffer:
                chunk = conn.recv(65536)
                assert chunk, f"connection closed after {len(answers)} responses"
                buffer += chunk
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            status, *lines = head.split(b"\r\n")
            if status.split()[1] == b"100":
                continue  # the interim answer to Expect: 100-continue
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (line.partition(b":") for line in lines)}
            length = int(headers[b"content-length"])
            while len(buffer) < length:
                buffer += conn.recv(65536)
            answers.append((status, headers, buffer[:length]))
            buffer = buffer[length:]
        return answers


def raw_request(operation: str, body: bytes, extra: str = "", version: str = "1.1") -> bytes:
    head = (f"POST / HTTP/{version}\r\nHost: localhost\r\nX-Amz-Target: DynamoDB_20120810.{operation}\r\n"
            f"Content-Type: application/x-amz-json-1.0\r\nAuthorization: {HEADERS['Authorization']}\r\n"
            f"X-Amz-Date: {HEADERS['X-Amz-Date']}\r\nContent-Length: {len(body)}\r\n{extra}\r\n")
    return head.encode() + body


@pytest.mark.parametrize("body", [b'{"TableName": "absent"}', b'{"TableName": 1}', b"{nope"])
def test_fast_lane_and_asgi_path_answer_alike(server_url, body):
    """Expect: 100-continue sends a call down the ASGI path: both paths give the
    same status, body and headers (but the request id and the date)."""
    fast, = raw_exchange(server_url, raw_request("DescribeTable", body))
    slow, = raw_exchange(server_url, raw_request("DescribeTable", body, "Expect: 100-continue\r\n"))
    varying = {b"x-amzn-requestid", b"date"}
    assert fast[0] == slow[0] and fast[2] == slow[2]
    assert {k: v for k, v in fast[1].items() if k not in varying} == \
        {k: v for k, v in slow[1].items() if k not in varying}
    assert fast[0].split()[1] == b"400"


def test_fast_lane_answers_pipelined_calls_in_order(server_url):
    calls = b"".join(raw_request("DescribeTable", orjson.dumps({"TableName": f"absent-{n}"}))
                     for n in range(5))
    answers = raw_exchange(server_url, calls, responses=5)
    assert [orjson.loads(body)["message"].rsplit(" ", 3)[1] for _, _, body in answers] == \
        [f"absent-{n}" for n in range(5)]


def test_fast_lane_closes_when_asked(server_url):
    for data in (raw_request("ListTables", b"{}", "Connection: close\r\n"),
                 raw_request("ListTables", b"{}", version="1.0")):
        (status, headers, body), = raw_exchange(server_url, data)
        assert status.split()[1] == b"200" and headers[b"connection"] == b"close"


def test_fast_lane_requires_authorization(server_url):
    data = raw_request("ListTables", b"{}").replace(
        f"Authorization: {HEADERS['Authorization']}\r\n".encode(), b"")
    (status, _, body), = raw_exchange(server_url, data)
    assert status.split()[1] == b"400"
    assert orjson.loads(body)["__type"].endswith("#MissingAuthenticationTokenException")


def test_fsync_server_answers_reads_inline_and_writes_in_threads(tmp_path):
    """In fsync mode writes leave the fast lane for a thread; both kinds answer."""
    from support import create_table, http_client, start_server
    process, url = start_server(str(tmp_path), "--durability", "fsync")
    try:
        client = http_client(url)
        table = create_table(client)
        client.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
        assert client.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}
    finally:
        process.terminate()
        process.wait(10)


# --- held writes: the writes of one event-loop turn share one commit -------------

def call_body(table: str, **members) -> bytes:
    return orjson.dumps({"TableName": table, **members})


def test_held_writes_see_each_other_and_answer_in_order(server_url):
    """Pipelined writes on one connection share a commit: each sees the one
    before it, a failed condition undoes only itself, and a read or a
    transaction behind them sees them all."""
    from support import create_table, http_client
    table = create_table(http_client(server_url))
    key = {"pk": {"S": "a"}}
    calls = [
        ("PutItem", call_body(table, Item={**key, "v": {"N": "1"}})),
        ("PutItem", call_body(table, Item={**key, "v": {"N": "2"}}, ReturnValues="ALL_OLD")),
        ("PutItem", call_body(table, Item={"pk": {"S": "b"}},
                              ConditionExpression="attribute_exists(pk)")),
        ("UpdateItem", call_body(table, Key=key, UpdateExpression="ADD v :ten",
                                 ExpressionAttributeValues={":ten": {"N": "10"}},
                                 ReturnValues="UPDATED_NEW")),
        ("TransactWriteItems", orjson.dumps({"TransactItems": [{"ConditionCheck": {
            "TableName": table, "Key": key, "ConditionExpression": "v = :twelve",
            "ExpressionAttributeValues": {":twelve": {"N": "12"}}}}]})),
        ("DeleteItem", call_body(table, Key=key, ReturnValues="ALL_OLD")),
        ("GetItem", call_body(table, Key=key, ConsistentRead=True)),
        ("GetItem", call_body(table, Key={"pk": {"S": "b"}}, ConsistentRead=True)),
    ]
    answers = raw_exchange(server_url, b"".join(raw_request(op, body) for op, body in calls),
                           responses=len(calls))
    statuses = [status.split()[1] for status, _, _ in answers]
    bodies = [orjson.loads(body) for _, _, body in answers]
    assert statuses == [b"200", b"200", b"400", b"200", b"200", b"200", b"200", b"200"]
    assert bodies[1]["Attributes"]["v"] == {"N": "1"}
    assert bodies[2]["__type"].endswith("#ConditionalCheckFailedException")
    assert bodies[3]["Attributes"] == {"v": {"N": "12"}}
    assert bodies[5]["Attributes"]["v"] == {"N": "12"}
    assert bodies[6] == {} and bodies[7] == {}


def test_held_write_closes_when_asked(server_url):
    from support import create_table, http_client
    table = create_table(http_client(server_url))
    data = raw_request("PutItem", call_body(table, Item={"pk": {"S": "closing"}}),
                       "Connection: close\r\n")
    (status, headers, body), = raw_exchange(server_url, data)
    assert status.split()[1] == b"200" and headers[b"connection"] == b"close"
    assert orjson.loads(body) == {}


@pytest.mark.lmdb_only("data kept across a restart")
def test_held_writes_from_many_connections_are_durable_once_answered(tmp_path):
    """Writes from concurrent connections, pipelined so that turns hold many:
    every answered write survives SIGKILL, each with one stream record."""
    from concurrent.futures import ThreadPoolExecutor

    from support import create_table, http_client, read_stream, start_server
    process, url = start_server(str(tmp_path))
    try:
        client = http_client(url)
        table = create_table(client, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})

        def connection(worker: int) -> list[bytes]:
            data = b"".join(raw_request("PutItem", call_body(
                table, Item={"pk": {"S": f"{worker}-{n}"}, "n": {"N": str(n)}}))
                for n in range(40))
            return [status.split()[1] for status, _, _ in raw_exchange(url, data, responses=40)]

        with ThreadPoolExecutor(8) as pool:
            statuses = [s for answer in pool.map(connection, range(8)) for s in answer]
        assert statuses == [b"200"] * 320
    finally:
        process.kill()
        process.wait(10)
    process, url = start_server(str(tmp_path))
    try:
        client = http_client(url)
        items = client.scan(TableName=table, ConsistentRead=True)["Items"]
        assert sorted(item["pk"]["S"] for item in items) == \
            sorted(f"{w}-{n}" for w in range(8) for n in range(40))
        arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        records = read_stream(http_client(url, "dynamodbstreams"), arn)
        assert sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in records) == \
            sorted(item["pk"]["S"] for item in items)
        sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
        assert sequence == sorted(set(sequence))
    finally:
        process.terminate()
        process.wait(10)


def test_held_writes_are_throttled_one_after_another(tmp_path):
    """Writes answered together are admitted and paid for in turn, as if sent
    one by one: a 2-unit burst lets 2 (3 with what refills) of 10 through."""
    from support import throttled_server
    with throttled_server(str(tmp_path)) as url:
        data = b"".join(raw_request("PutItem", call_body("limited", Item={"pk": {"S": f"k{n}"}}))
                        for n in range(10))
        answers = raw_exchange(url, data, responses=10)
        passed = sum(status.split()[1] == b"200" for status, _, _ in answers)
        assert 2 <= passed <= 3
        assert all(orjson.loads(body)["__type"].endswith("#ProvisionedThroughputExceededException")
                   for _, _, body in answers[passed:])

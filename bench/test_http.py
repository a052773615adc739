"""HTTP GetItem / PutItem through uvicorn, against a bare Starlette baseline.

One keep-alive connection from this process drives each server in turn, so
client overhead is the same on both sides of the ratio.
"""
from __future__ import annotations

import http.client
import itertools
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from support import free_port, start_server

from bench.conftest import Side, measure_interleaved

AUTH = "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"


class Connection:
    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port))

    def call(self, operation: str, request: dict) -> dict:
        self.conn.request("POST", "/", orjson.dumps(request), {
            "X-Amz-Target": f"DynamoDB_20120810.{operation}", "Authorization": AUTH,
            "X-Amz-Date": "20260101T000000Z",
            "Content-Type": "application/x-amz-json-1.0"})
        response = self.conn.getresponse()
        body = response.read()
        assert response.status == 200, body
        return orjson.loads(body)


@pytest.fixture(scope="module")
def dynalite(tmp_path_factory):
    process, url = start_server(str(tmp_path_factory.mktemp("bench-http")))
    connection = Connection(url)
    connection.call("CreateTable", {
        "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    connection.call("CreateTable", {
        "TableName": "bench-stream", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}})
    time.sleep(0.1)
    for index in range(1000):
        connection.call("PutItem", {"TableName": "bench", "Item": {
            "pk": {"S": f"user-{index}"}, "name": {"S": "Ada Lovelace"}, "bio": {"S": "x" * 150}}})
    yield connection
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def bare():
    port = free_port()
    process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("bare_starlette.py")),
                                str(port)])
    connection = None
    for _ in range(200):
        try:
            connection = Connection(f"http://127.0.0.1:{port}")
            connection.call("Ping", {})
            break
        except OSError:
            time.sleep(0.05)
    yield connection
    process.terminate()
    process.wait(10)


def test_http_bare_starlette(benchmark, bare, record):
    benchmark(lambda: bare.call("GetItem", {}))
    record("http_bare_starlette", benchmark)


def test_http_get_item(benchmark, dynalite, record):
    keys = itertools.cycle([{"TableName": "bench", "Key": {"pk": {"S": f"user-{n}"}}} for n in range(1000)])
    benchmark(lambda: dynalite.call("GetItem", next(keys)))
    record("http_get_item", benchmark)


def changed_item(counter: itertools.count) -> dict:
    index = next(counter)  # every write changes the item: a MODIFY with both images
    return {"pk": {"S": f"user-{index % 1000}"}, "version": {"N": str(index)},
            "name": {"S": "Ada"}, "bio": {"S": "x" * 150}}


def test_http_put_item(benchmark, dynalite, record):
    counter = itertools.count()
    benchmark(lambda: dynalite.call("PutItem", {"TableName": "bench", "Item": changed_item(counter)}))
    record("http_put_item", benchmark)


def test_http_put_item_stream_overhead(benchmark, dynalite):
    """PutItem into a table with a NEW_AND_OLD_IMAGES stream and into one
    without, interleaved in one run (the ratio of the medians)."""
    counter = itertools.count()

    def side(name: str, table: str) -> Side:
        return Side(name, dynalite.call,
                    lambda: ("PutItem", {"TableName": table, "Item": changed_item(counter)}))

    measure_interleaved(benchmark, [side("http_put_item_no_stream", "bench"),
                                    side("http_put_item_stream", "bench-stream")],
                        blocks=20)

"""Resource bounds of the server: a cap on concurrent connections, and
LMDB's map size (the most data a directory holds)."""
from __future__ import annotations

import socket
import time

import httpx
import pytest
from botocore.exceptions import ClientError
from support import create_table, http_client, start_server

LIST_TABLES = {"X-Amz-Target": "DynamoDB_20120810.ListTables",
               "Content-Type": "application/x-amz-json-1.0",
               "Authorization": "AWS4-HMAC-SHA256 Credential=any/20240101/us-east-1/dynamodb/"
                                "aws4_request, SignedHeaders=host, Signature=0"}


def test_connections_beyond_the_cap_get_503_and_service_resumes(tmp_path):
    # the cap is per worker process: one worker makes it the server's
    process, url = start_server(str(tmp_path), "--max-connections", "4", "--workers", "1")
    host, port = url.removeprefix("http://").split(":")
    idle = [socket.create_connection((host, int(port))) for _ in range(6)]
    try:
        time.sleep(0.3)
        assert httpx.get(url + "/").status_code == 503
        # DynamoDB calls too, though they are answered outside the ASGI app
        assert httpx.post(url + "/", content=b"{}", headers=LIST_TABLES).status_code == 503
        for connection in idle:
            connection.close()
        deadline = time.time() + 5
        while httpx.get(url + "/").status_code != 200:
            assert time.time() < deadline, "the server did not recover"
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.lmdb_only("the map size")
def test_a_full_map_refuses_writes_and_keeps_what_was_stored(tmp_path):
    data = str(tmp_path / "data")
    process, url = start_server(data, "--workers", "1", env={"DYNALITE_MAP_SIZE": str(1 << 20)})
    try:
        client = http_client(url)
        table = create_table(client)
        stored = 0
        with pytest.raises(ClientError) as refused:
            while stored < 1000:  # 1 MiB holds a few hundred 3 KB items
                client.put_item(TableName=table, Item={"pk": {"S": f"k{stored}"}, "pad": {"S": "x" * 3000}})
                stored += 1
        # DynamoDB has no error for a full disk: its internal error, saying what to do
        assert refused.value.response["Error"]["Code"] == "InternalServerError"
        assert "DYNALITE_MAP_SIZE" in refused.value.response["Error"]["Message"]
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert client.describe_table(TableName=table)["Table"]["ItemCount"] == stored
        assert "Item" in client.get_item(TableName=table, Key={"pk": {"S": f"k{stored - 1}"}})
    finally:
        process.terminate()
        process.wait(10)
    process, url = start_server(data, "--workers", "1", env={"DYNALITE_MAP_SIZE": str(16 << 20)})
    try:  # a larger map on restart takes writes again, nothing lost
        client = http_client(url)
        client.put_item(TableName=table, Item={"pk": {"S": "after"}, "pad": {"S": "x" * 3000}})
        assert client.describe_table(TableName=table)["Table"]["ItemCount"] == stored + 1
    finally:
        process.terminate()
        process.wait(10)

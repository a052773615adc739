"""Resource bounds of the server: a cap on concurrent connections."""
from __future__ import annotations

import socket
import time

import httpx
from support import start_server

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

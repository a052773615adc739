"""Resource bounds of the server: a cap on concurrent connections."""
from __future__ import annotations

import socket
import time

import httpx
from support import start_server


def test_connections_beyond_the_cap_get_503_and_service_resumes(tmp_path):
    process, url = start_server(str(tmp_path), "--max-connections", "4")
    host, port = url.removeprefix("http://").split(":")
    idle = [socket.create_connection((host, int(port))) for _ in range(6)]
    try:
        time.sleep(0.3)
        assert httpx.get(url + "/").status_code == 503
        for connection in idle:
            connection.close()
        deadline = time.time() + 5
        while httpx.get(url + "/").status_code != 200:
            assert time.time() < deadline, "the server did not recover"
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(10)

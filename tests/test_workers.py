"""Worker processes (server/workers.py): several processes serve one port and
one data directory; each runs the background jobs under leases, and every
worker's stream commits wake every worker's bridge through the primary;
secondaries end with the primary."""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from support import (
    AUDIT_HANDLER,
    create_table,
    http_client,
    listeners,
    secondaries_of,
    start_server,
    tcp_sockets,
    wait_for,
)

HEADERS = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20240101T000000Z",
           "Authorization": "AWS4-HMAC-SHA256 Credential=any/20240101/us-east-1/dynamodb/"
                            "aws4_request, SignedHeaders=host, Signature=0"}


def serving_process(client_port: int, pids: list[int]) -> int | None:
    """Which of `pids` holds the server side of the connection from `client_port`."""
    inodes = {f"socket:[{inode}]" for _, remote, _, inode in tcp_sockets()
              if remote == client_port}
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    return pid
            except OSError:
                continue
    return None


def call_on_new_connection(url: str, operation: str, request: dict, pids: list[int]):
    """(status, response, serving pid) of one call on a connection of its own."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", "/", json.dumps(request),
                           {**HEADERS, "X-Amz-Target": f"DynamoDB_20120810.{operation}"})
        response = connection.getresponse()
        body = json.loads(response.read())
        return response.status, body, serving_process(connection.sock.getsockname()[1], pids)
    finally:
        connection.close()


@pytest.mark.lmdb_only("several worker processes on one data directory")
def test_workers_share_port_data_and_trigger_and_end_with_the_primary(tmp_path):
    code, data = tmp_path / "code", str(tmp_path / "data")
    code.mkdir()
    (code / "audit.py").write_text(AUDIT_HANDLER)
    process, url = start_server(data, "--workers", "1")
    try:
        create_table(http_client(url), TableName="audited", StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    finally:
        process.terminate()
        process.wait(10)
    # a 30 s poll: only the wake-ups can deliver each record within the wait below
    process, url = start_server(data, "--workers", "2", "--trigger", "audited=audit.record",
                                "--code-dir", str(code),
                                env={"DYNALITE_BRIDGE_POLL_INTERVAL": "30"})
    try:
        secondary = wait_for(lambda: secondaries_of(process.pid))[0]
        pids, served, seen = [process.pid, secondary], [], code / "seen.txt"
        deadline = time.time() + 20
        while not {process.pid, secondary} <= set(served):
            assert time.time() < deadline, f"both workers never served: {served}"
            key = f"k{len(served)}"
            status, _, pid = call_on_new_connection(
                url, "PutItem", {"TableName": "audited", "Item": {"pk": {"S": key}}}, pids)
            assert status == 200
            served.append(pid)
            wait_for(lambda: seen.exists() and key in seen.read_text().split(), seconds=5)
        for n in range(len(served)):  # every write is visible from every worker
            status, body, _ = call_on_new_connection(
                url, "GetItem", {"TableName": "audited", "Key": {"pk": {"S": f"k{n}"}},
                                 "ConsistentRead": True}, pids)
            assert status == 200 and body["Item"] == {"pk": {"S": f"k{n}"}}
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        wait_for(lambda: not os.path.exists(f"/proc/{secondary}"), seconds=5)
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.lmdb_only("several worker processes on one data directory")
def test_sigterm_stops_every_worker(tmp_path):
    process, url = start_server(str(tmp_path), "--workers", "3")
    secondaries = wait_for(lambda: len(secondaries_of(process.pid)) == 2
                           and secondaries_of(process.pid))
    process.terminate()
    assert process.wait(15) == 0
    for pid in secondaries:
        assert not os.path.exists(f"/proc/{pid}")


def test_throttling_needs_a_single_worker(tmp_path):
    result = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--throttling",
                             "--workers", "2", "--data-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "--throttling needs --workers 1" in result.stderr


def test_wake_ups_reach_their_listener_and_never_block():
    from server.workers import listen_for_wakes, wake_primary
    read_fd, write_fd = os.pipe()
    woken = threading.Event()
    listen_for_wakes(read_fd, woken.set)
    wake_primary(write_fd)()
    assert woken.wait(5)
    full_read, full_write = os.pipe()
    poke = wake_primary(full_write)
    for _ in range(100_000):  # a full pipe: a wake is pending, the byte is dropped
        poke()
    os.close(full_read)
    poke()  # the listening process is gone: dropped too


def test_in_memory_needs_a_single_worker():
    result = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--in-memory",
                             "--workers", "2"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "--in-memory serves from one process" in result.stderr


@pytest.mark.lmdb_only("several worker processes on one data directory")
def test_a_secondary_that_dies_is_restarted(tmp_path):
    process, url = start_server(str(tmp_path), "--workers", "2")
    try:
        first = wait_for(lambda: secondaries_of(process.pid))[0]
        os.kill(first, signal.SIGKILL)
        replacement = wait_for(lambda: [pid for pid in secondaries_of(process.pid)
                                        if pid != first], seconds=10)[0]
        wait_for(lambda: listeners(url) == 2, seconds=10)  # and it serves the port again
        client = http_client(url)
        table = create_table(client)
        assert client.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
        assert os.path.exists(f"/proc/{replacement}")
    finally:
        process.terminate()
        process.wait(15)

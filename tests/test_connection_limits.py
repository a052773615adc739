"""Idle, slow and stalled connections cannot starve real clients
(server/connections.py): thousands of silent sockets and slowloris heads
while boto3 keeps getting answers, read deadlines, and 503 only when every
connection of the cap holds a request."""
from __future__ import annotations

import resource
import socket
import threading
import time

import httpx
import pytest
from support import create_table, http_client, start_server, unique_name, zipped

pytestmark = pytest.mark.any_store("connection handling is the server's")

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
PARTIAL_HEAD = b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"


def open_files(at_least: int) -> None:
    """This test process holds thousands of sockets too."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < at_least:
        if hard < at_least:
            pytest.skip(f"the open-file limit ({hard}) is below {at_least}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (at_least, hard))


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def is_closed(sock: socket.socket, wait: float) -> bool:
    sock.settimeout(wait)
    try:
        return sock.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


@pytest.fixture
def server(tmp_path):
    process, url = start_server(str(tmp_path), "--workers", "1", "--read-timeout", "1")
    yield process, url
    process.terminate()
    process.wait(10)


def test_thousands_of_idle_and_slowloris_sockets_do_not_starve_boto3(server):
    open_files(4096)
    process, url = server
    client = http_client(url)
    table = create_table(client)
    before = rss_kib(process.pid)
    attackers: list[socket.socket] = []
    stop = threading.Event()

    def flood() -> None:
        """2,000 silent sockets, then slowloris heads a byte at a time."""
        for number in range(2200):
            if stop.is_set():
                return
            try:
                sock = socket.create_connection(address(url), timeout=5)
                if number >= 2000:
                    sock.sendall(PARTIAL_HEAD[:10])
                attackers.append(sock)
            except OSError:
                pass  # a socket the server closed to make room
        while not stop.wait(0.2):
            for sock in attackers[2000:]:
                try:
                    sock.send(b"X")
                except OSError:
                    pass

    attacker = threading.Thread(target=flood)
    attacker.start()
    try:
        served = 0
        deadline = time.time() + 8
        while time.time() < deadline:  # every call answered while the flood goes on
            client.put_item(TableName=table, Item={"pk": {"S": f"k{served}"}})
            assert client.get_item(TableName=table, Key={"pk": {"S": f"k{served}"}})["Item"]
            fresh = http_client(url)  # a new client's first connection gets room too
            assert fresh.describe_table(TableName=table)["Table"]["TableName"] == table
            served += 1
            time.sleep(0.02)
        assert served > 20
        assert len(attackers) > 1500  # the flood really happened
        assert rss_kib(process.pid) - before < 200 * 1024  # bounded memory: < 200 MiB more
    finally:
        stop.set()
        attacker.join()
        for sock in attackers:
            sock.close()


def test_read_deadlines_close_slow_and_silent_connections(server):
    _, url = server
    partial = socket.create_connection(address(url))
    partial.sendall(PARTIAL_HEAD)  # the head never ends
    stalled = socket.create_connection(address(url))
    stalled.sendall(PARTIAL_HEAD + b"Content-Type: application/x-amz-json-1.0\r\n"
                    b"Authorization: x\r\nContent-Length: 100\r\n\r\n{")  # the body stops
    silent = socket.create_connection(address(url))
    assert is_closed(partial, 4) and is_closed(stalled, 4)
    assert is_closed(silent, 8)  # uvicorn's keep-alive timeout (5 s), from the start
    assert httpx.get(url + "/").status_code == 200


def test_503_only_when_every_connection_holds_a_request(tmp_path):
    process, url = start_server(str(tmp_path), "--workers", "1", "--max-connections", "2")
    try:
        lambda_client = http_client(url, "lambda")
        name = unique_name("fn")
        lambda_client.create_function(
            FunctionName=name, Runtime="python3.11", Role=ROLE,
            Handler="lambda_function.lambda_handler", Timeout=30,
            Code={"ZipFile": zipped("import time\ndef lambda_handler(e, c):\n"
                                    "    time.sleep(e['sleep'])\n    return 'done'\n")})
        lambda_client.invoke(FunctionName=name, Payload=b'{"sleep": 0}')  # warm
        idle = [socket.create_connection(address(url)) for _ in range(3)]  # make room: closed
        results: list = []

        def invoke() -> None:
            results.append(http_client(url, "lambda").invoke(
                FunctionName=name, Payload=b'{"sleep": 2}')["StatusCode"])

        busy = [threading.Thread(target=invoke) for _ in range(2)]
        for thread in busy:
            thread.start()
        time.sleep(0.8)  # both invocations in flight, holding both connections
        assert httpx.get(url + "/").status_code == 503
        for thread in busy:
            thread.join()
        assert results == [200, 200]
        assert httpx.get(url + "/").status_code == 200
        for sock in idle:
            assert is_closed(sock, 1)
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize("head", [
    PARTIAL_HEAD + b"X-Padding: " + b"a" * 200_000,  # one endless header
    b"GET /" + b"a" * 200_000,  # an endless request line
    PARTIAL_HEAD + b"".join(b"X-%d: v\r\n" % n for n in range(20_000)),  # many headers
])
def test_an_oversized_request_head_gets_431_and_is_closed(server, head):
    process, url = server
    with socket.create_connection(address(url), timeout=10) as conn:
        try:
            conn.sendall(head)
        except OSError:
            pass  # closed by the server before all of it was sent
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert httpx.get(url + "/").status_code == 200

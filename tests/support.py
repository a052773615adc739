"""Helpers shared by tests and benchmarks: start a real server, make clients
and tables."""
from __future__ import annotations

import hashlib
import io
import os
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from contextlib import contextmanager

import boto3
import httpx
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

REGION = "us-east-1"
NO_RETRIES = BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"})
# an Authorization header of the right form (with SIGNED_HEADERS' X-Amz-Date): enough
# where signatures are not checked
SIGNED = "AWS4-HMAC-SHA256 Credential=any/20240101/us-east-1/dynamodb/aws4_request, " \
         "SignedHeaders=host, Signature=0"
SIGNED_HEADERS = {"Authorization": SIGNED, "X-Amz-Date": "20240101T000000Z",
                  "Accept-Encoding": "identity"}  # as botocore sends: no compressed answers
# the backend the tests run on, "lmdb", "memory" or "postgres" (pytest
# --backend, conftest.py); on postgres, the session's server (tests/pg.py)
BACKEND = "lmdb"
POSTGRES = None


def store_location(path: str | None) -> str | None:
    """Where a store for the data directory `path` lives on the backend under
    test: the directory itself (LMDB), memory (every store starts empty), or
    a PostgreSQL schema of its own, the same one each time for one `path`
    (so a restarted server finds its data); None: a temporary one."""
    if BACKEND == "memory":
        return ":memory:"
    if BACKEND == "postgres":
        name = os.path.abspath(path) if path is not None else uuid.uuid4().hex
        return POSTGRES.store_url(hashlib.sha1(name.encode()).hexdigest()[:20])
    return path


def open_db(path: str | None = None, **settings):
    """dynalite_py.open on the backend under test (store_location)."""
    import dynalite_py
    return dynalite_py.open(store_location(path), **settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: str, *extra: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """Start `dynalite-py serve` on a free port, on the backend under test;
    return (process, endpoint URL)."""
    port = free_port()
    backend = {"lmdb": (), "memory": ("--in-memory",),
               "postgres": ("--store", store_location(data_dir))}[BACKEND]
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port),
         "--data-dir", data_dir, *backend, *extra],
        env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            httpx.get(url + "/", timeout=0.5)
            return process, url
        except httpx.TransportError:
            if process.poll() is not None:
                raise RuntimeError("server exited during start-up")
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("server did not start")


@contextmanager
def servers_sharing(data_dir: str, count: int):
    """`count` single-worker servers on one store; yields their URLs."""
    started = [start_server(data_dir, "--workers", "1") for _ in range(count)]
    try:
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(10)


@contextmanager
def signed_server(directory, key: str, secret: str):
    """A server started with `--auth`, knowing one key; yields its URL."""
    credentials = directory / "credentials"
    credentials.write_text(f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    process, url = start_server(str(directory / "data"), "--auth", str(credentials))
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


def secondaries_of(pid: int) -> list[int]:
    """The live secondary worker processes a `dynalite-py serve` primary started."""
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except (OSError, ValueError):
            continue
        if name.isdigit() and int(fields[1]) == pid and fields[0] != b"Z" \
                and b"--secondary" in command:
            found.append(int(name))
    return found


def tcp_sockets() -> list[tuple[int, int, str, str]]:
    """(local port, remote port, state, inode) of this machine's TCP sockets
    (state "0A" is LISTEN), read from /proc/net/tcp and tcp6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as rows:
                for row in list(rows)[1:]:
                    fields = row.split()
                    found.append((int(fields[1].rsplit(":", 1)[1], 16),
                                  int(fields[2].rsplit(":", 1)[1], 16), fields[3], fields[9]))
        except OSError:
            continue
    return found


def listeners(url: str) -> int:
    """How many sockets listen on the server's port (one per worker process)."""
    port = int(url.rsplit(":", 1)[1])
    return sum(1 for local, _, state, _ in tcp_sockets() if local == port and state == "0A")


def wait_for(predicate, seconds: float = 15.0):
    """The predicate's first truthy value, polled every 50 ms for `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def active_table(client, name: str) -> dict:
    """DescribeTable's Table once a restore or import has made it ACTIVE (30 s at most:
    a restore is a background job, slower on a loaded 2-core CI machine)."""
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.02,
                                                                         "MaxAttempts": 1500})
    return client.describe_table(TableName=name)["Table"]


def stop_after_first_call(monkeypatch, module, name: str, stopped: type[Exception]) -> list:
    """Patch module.name so its first call runs and every later one raises
    `stopped` (a job cut short there, as if killed); the calls made so far."""
    real, calls = getattr(module, name), []

    def first_only(*args):
        calls.append(True)
        if len(calls) > 1:
            raise stopped()
        real(*args)
    monkeypatch.setattr(module, name, first_only)
    return calls


def http_client(url: str, service: str = "dynamodb"):
    return boto3.client(service, endpoint_url=url, region_name=REGION,
                        aws_access_key_id="any", aws_secret_access_key="any", config=NO_RETRIES)


def zipped(source: str, name: str = "lambda_function.py") -> bytes:
    """A function's code: one Python file in a zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


def unique_name(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def create_table(client, hash_type: str = "S", range_type: str | None = None, **extra) -> str:
    """Create an on-demand table, wait until ACTIVE, return its name."""
    name = extra.pop("TableName", None) or unique_name()
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": hash_type}]
    if range_type:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": range_type})
    extra.setdefault("BillingMode", "PAY_PER_REQUEST")
    client.create_table(TableName=name, KeySchema=schema, AttributeDefinitions=definitions, **extra)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    return name


def read_stream(streams_client, arn: str, iterator_type: str = "TRIM_HORIZON") -> list[dict]:
    """Every record of a stream, shard by shard in order."""
    shards = streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    records = []
    for shard in shards:
        iterator = streams_client.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=iterator_type)["ShardIterator"]
        while iterator:
            page = streams_client.get_records(ShardIterator=iterator)
            records += page["Records"]
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return records


@contextmanager
def throttled_server(data_dir: str):
    """A `serve --throttling` server whose burst is 2 s, with a table "limited"
    of 1 read and 1 write unit a second; yields its URL."""
    process, url = start_server(data_dir, "--throttling", env={"DYNALITE_BURST_SECONDS": "2"})
    try:
        create_table(http_client(url), TableName="limited", BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
        yield url
    finally:
        process.terminate()
        process.wait(10)


def raw(url: str, data: bytes) -> bytes:
    """Send raw bytes on a new connection; the first final answer, whole
    (read to its Content-Length, or to the close)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(data)
        answer = b""
        while True:
            chunk = conn.recv(65536)
            answer += chunk
            answer = answer.removeprefix(b"HTTP/1.1 100 Continue\r\n\r\n")
            head, _, body = answer.partition(b"\r\n\r\n")
            length = [int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                      if line.startswith(b"content-length:")]
            if not chunk or (length and len(body) >= length[0]):
                return answer


def dynamodb_request(host: str = "localhost", extra: str = "", body: bytes = b"{}",
                     content_type: str = "application/x-amz-json-1.0") -> bytes:
    return (f"POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
            f"Content-Type: {content_type}\r\nAuthorization: {SIGNED}\r\n"
            f"X-Amz-Date: 20240101T000000Z\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n").encode() + body


# a --trigger handler module that appends each record's pk to seen.txt beside it
AUDIT_HANDLER = ("import os\n"
                 "def record(event, context):\n"
                 "    with open(os.path.join(os.path.dirname(__file__), 'seen.txt'), 'a') as out:\n"
                 "        for r in event['Records']:\n"
                 "            out.write(r['dynamodb']['Keys']['pk']['S'] + '\\n')\n")


LAMBDA_ROLE = "arn:aws:iam::000000000000:role/lambda-role"
# the runtime whose interpreter is surely installed: the one running the tests
LAMBDA_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def create_function(lambda_client, source: str, name: str | None = None, **extra) -> str:
    """Create a function whose lambda_function.py is `source` (handler
    `handler`, runtime LAMBDA_RUNTIME unless given); return its name."""
    name = name or unique_name("fn")
    lambda_client.create_function(FunctionName=name, Role=LAMBDA_ROLE,
                                  Runtime=extra.pop("Runtime", LAMBDA_RUNTIME),
                                  Handler=extra.pop("Handler", "lambda_function.handler"),
                                  Code={"ZipFile": zipped(source)}, **extra)
    return name


class Clock:
    """A clock a test moves by hand: `engine.clock = Clock()`, then `clock.now += 60`."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def error_of(call, **request) -> tuple[str, str]:
    """The AWS error code and message a boto3 call is refused with."""
    with pytest.raises(ClientError) as refused:
        call(**request)
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]

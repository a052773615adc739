"""HTTP load runner for any DynamoDB-compatible endpoint on this machine.

    python -m bench.load --endpoint http://127.0.0.1:8000 --connections 16 \\
        --seconds 10 --ops get,put,query [--client-procs 2] [--json out.json]

Without --endpoint it starts `dynalite-py serve` on a temporary data directory
(and reports how long that took to answer). It creates two tables, preloads
them (BatchWriteItem, or PutItem where the server rejects BatchWriteItem),
then drives each operation for a fixed time over many keep-alive connections
and reports requests/s and p50/p99 latency:

- get: GetItem of one of 10,000 items of ~200 bytes (hash key pk);
- put: PutItem rewriting one of those items;
- query: Query of one partition of 10 items (pk, sk; 1,000 partitions).

An operation the server answers with UnknownOperationException is reported
as "unsupported". The machine has 2 cores shared by client and server, so
the client is deliberately lean: raw HTTP/1.1 over asyncio streams (uvloop
when present), requests pre-built as bytes, no JSON work per request, and
latencies kept in a compact log-linear histogram that N client processes
(--client-procs) merge. Every phase is bounded in time, and only loopback
endpoints are accepted.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import math
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from time import perf_counter
from typing import IO, Iterator, Sequence
from urllib.parse import urlsplit

TARGET_PREFIX = "DynamoDB_20120810."
REGION = "us-east-1"
# Peers accept any signature, but dynalite (npm) wants Credential, SignedHeaders,
# Signature and an X-Amz-Date header; DynamoDB Local keys its databases by access
# key and region; moto routes by the credential scope's service and region.
AMZ_DATE = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
AUTHORIZATION = (
    f"AWS4-HMAC-SHA256 Credential=AKIDLOADRUNNER/{AMZ_DATE[:8]}/{REGION}/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64)

ITEM_PADDING = "x" * 150          # brings an item to about 200 bytes
BATCH_SIZE = 25                   # BatchWriteItem's limit
REQUEST_GRACE = 30.0              # seconds a phase may overrun before it is cut
PRELOAD_TIMEOUT = 600.0
TABLE_TIMEOUT = 60.0
CONNECTION_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.IGNORECASE)
TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


class LoadError(Exception):
    """The run cannot go on (a table cannot be created or loaded)."""


# --- what is sent ------------------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    """One measured operation: `name` is its X-Amz-Target operation name and
    `shape` which request bodies it sends (get, put or query)."""
    key: str
    name: str
    shape: str

    @property
    def table(self) -> str:
        return "query" if self.shape == "query" else "items"


OPERATIONS = {
    "get": Operation("get", "GetItem", "get"),
    "put": Operation("put", "PutItem", "put"),
    "query": Operation("query", "Query", "query"),
}


@dataclass(frozen=True)
class Layout:
    """The two tables of a run and their sizes."""
    items_table: str
    query_table: str
    items: int = 10_000
    partitions: int = 1_000
    per_partition: int = 10

    def name_of(self, table: str) -> str:
        return self.query_table if table == "query" else self.items_table


def item(index: int, version: int = 0) -> dict:
    """An item of the items table, about 200 bytes by DynamoDB's measure."""
    return {"pk": {"S": f"item-{index:06d}"}, "version": {"N": str(version)},
            "name": {"S": "load runner item"}, "data": {"S": ITEM_PADDING}}


def partition_item(partition: int, sort: int) -> dict:
    return {"pk": {"S": f"part-{partition:05d}"}, "sk": {"N": str(sort)},
            "name": {"S": "load runner item"}, "data": {"S": ITEM_PADDING}}


def table_items(layout: Layout, table: str) -> list[dict]:
    if table == "query":
        return [partition_item(p, s) for p in range(layout.partitions)
                for s in range(layout.per_partition)]
    return [item(i) for i in range(layout.items)]


def request_bodies(op: Operation, layout: Layout) -> list[bytes]:
    """The JSON bodies one phase cycles through, in a fixed shuffled order so
    that connections spread over the keys."""
    table = layout.name_of(op.table)
    count = layout.partitions if op.shape == "query" else layout.items
    order = list(range(count))
    random.Random(9).shuffle(order)
    if op.shape == "get":
        payloads = [{"TableName": table, "Key": {"pk": item(i)["pk"]}} for i in order]
    elif op.shape == "put":  # a new version each time, so every write changes the item
        payloads = [{"TableName": table, "Item": item(i, 1 + n)} for n, i in enumerate(order)]
    else:
        # the legacy KeyConditions form: every server here accepts it
        payloads = [{"TableName": table, "KeyConditions": {"pk": {
            "ComparisonOperator": "EQ", "AttributeValueList": [{"S": f"part-{p:05d}"}]}}}
            for p in order]
    return [json.dumps(payload, separators=(",", ":")).encode() for payload in payloads]


def http_request(host: str, operation: str, body: bytes) -> bytes:
    """A complete HTTP/1.1 request, ready to write to a socket."""
    head = (f"POST / HTTP/1.1\r\nHost: {host}\r\n"
            f"X-Amz-Target: {TARGET_PREFIX}{operation}\r\n"
            "Content-Type: application/x-amz-json-1.0\r\n"
            f"X-Amz-Date: {AMZ_DATE}\r\nAuthorization: {AUTHORIZATION}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def split_endpoint(endpoint: str) -> tuple[str, int]:
    """(host, port) of an http:// endpoint on this machine's loopback."""
    parts = urlsplit(endpoint)
    if parts.scheme != "http" or not parts.hostname or not parts.port:
        raise ValueError(f"endpoint must look like http://127.0.0.1:PORT, not {endpoint!r}")
    host = parts.hostname
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the load runner only targets loopback addresses, not {host}")
    return host, parts.port


# --- the client -----------------------------------------------------------------------

class Connection:
    """One keep-alive HTTP/1.1 connection, one request in flight at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reused = False

    @property
    def host_header(self) -> str:
        return f"{self.host}:{self.port}"

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.reused = False

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one request and return (status, body), reconnecting as needed."""
        if self.writer is None:
            await self.open()
        try:
            return await self._exchange(request)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.close()
            if not self.reused:
                raise
            # the server closed an idle keep-alive connection: one fresh try
            await self.open()
            return await self._exchange(request)

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        reader = self.reader
        self.writer.write(request)  # small and strictly alternating: no drain needed
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        fields = head.lower()
        at = fields.find(b"\r\ncontent-length:")
        if at >= 0:
            end = fields.find(b"\r\n", at + 17)
            body = await reader.readexactly(int(fields[at + 17:end]))
        elif b"chunked" in fields:
            body = await self._read_chunked()
        else:  # no framing: the body runs to the end of the connection
            body = await reader.read()
            self.close()
            return status, body
        if CONNECTION_CLOSE.search(fields) or (
                fields.startswith(b"http/1.0") and b"keep-alive" not in fields):
            self.close()
        else:
            self.reused = True
        return status, body

    async def _read_chunked(self) -> bytes:
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append((await self.reader.readexactly(size + 2))[:-2])
        while await self.reader.readuntil(b"\r\n") != b"\r\n":
            pass  # trailer fields
        return b"".join(parts)

    async def call(self, operation: str, payload: dict) -> tuple[int, dict]:
        """One JSON request, for set-up work (never in a measured loop)."""
        body = json.dumps(payload).encode()
        status, answer = await self.exchange(http_request(self.host_header, operation, body))
        try:
            return status, json.loads(answer) if answer else {}
        except ValueError:
            return status, {"message": answer[:200].decode(errors="replace")}


def error_type(answer: dict) -> str:
    """The short error name of a DynamoDB error body ("a.b#Name" -> "Name")."""
    return str(answer.get("__type", "")).rpartition("#")[2]


def describe_error(status: int, answer: dict) -> str:
    message = answer.get("message") or answer.get("Message") or ""
    return f"HTTP {status} {error_type(answer)}: {message}".strip().rstrip(":")


# --- latency histogram ---------------------------------------------------------------

def bucket(micros: int) -> int:
    """Log-linear bucket of a latency in µs: exact below 128 µs, then 64
    buckets per power of two (under 1.6% error), mergeable by addition."""
    shift = micros.bit_length() - 7
    if shift <= 0:
        return micros
    return (shift << 7) | (micros >> shift)


def bucket_micros(key: int) -> float:
    """The middle of a bucket, in µs."""
    shift, base = key >> 7, key & 127
    return float(base) if shift == 0 else (base << shift) + (1 << shift) / 2


def percentile_ms(histogram: dict[int, int], fraction: float) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = max(1, math.ceil(fraction * total)), 0
    for key in sorted(histogram):
        seen += histogram[key]
        if seen >= rank:
            return bucket_micros(key) / 1000
    return None


@dataclass
class Tally:
    """What one or more connections measured: successes by latency bucket, errors,
    and the CPU seconds the client process(es) used inside the window."""
    histogram: dict[int, int] = field(default_factory=dict)
    requests: int = 0
    errors: int = 0
    error_sample: str = ""
    client_cpu_s: float = 0.0

    def add_error(self, description: str) -> None:
        self.errors += 1
        self.error_sample = self.error_sample or description

    def merge(self, other: Tally) -> None:
        for key, count in other.histogram.items():
            self.histogram[key] = self.histogram.get(key, 0) + count
        self.requests += other.requests
        self.errors += other.errors
        self.error_sample = self.error_sample or other.error_sample
        self.client_cpu_s += other.client_cpu_s


# --- CPU accounting (Linux /proc; None where it is missing) -----------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def group_cpu_s(pgid: int) -> float | None:
    """CPU seconds (user + system) of the live processes of process group `pgid`."""
    ticks, found = 0, False
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue  # gone, or not ours to read
        fields = text[text.rfind(b")") + 2:].split()
        if int(fields[2]) == pgid:  # fields from the 3rd: state ppid pgrp ... utime stime
            ticks, found = ticks + int(fields[11]) + int(fields[12]), True
    return ticks / CLOCK_TICKS if found else None


def machine_cpu_s() -> float | None:
    """CPU seconds every core of the machine spent busy (not idle or waiting) since boot."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    return (sum(values[:8]) - values[3] - values[4]) / CLOCK_TICKS


class CpuSampler(threading.Thread):
    """Samples the server's and the machine's CPU counters at the start and the end
    of a measured window given in wall-clock time."""

    def __init__(self, server_pgid: int | None, start: float, stop: float) -> None:
        super().__init__(daemon=True)
        self.pgid, self.times = server_pgid, (start, stop)
        self.samples: list[tuple[float, float | None, float | None]] = []

    def run(self) -> None:
        for when in self.times:
            time.sleep(max(0.0, when - time.time()))
            server = group_cpu_s(self.pgid) if self.pgid else None
            self.samples.append((time.time(), server, machine_cpu_s()))

    def cores(self) -> tuple[float | None, float | None]:
        """(server, whole machine) cores busy on average over the window."""
        if len(self.samples) < 2:
            return None, None
        (t0, server0, machine0), (t1, server1, machine1) = self.samples
        span = max(t1 - t0, 1e-3)
        server = (server1 - server0) / span if None not in (server0, server1) else None
        machine = (machine1 - machine0) / span if None not in (machine0, machine1) else None
        return server, machine


# --- one measured phase ----------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """perf_counter() times: requests completing in [start, stop] are counted."""
    start: float
    stop: float


def parse_response(buffer: bytes) -> tuple[int, int, bool] | None:
    """(bytes used, status, connection closes) of the complete response at the start
    of `buffer`; None if it is not complete yet. Content-Length or chunked framing;
    -1 bytes for a body that runs to the end of the connection."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buffer[:end + 2].lower()
    status = int(buffer[9:12])
    closes = CONNECTION_CLOSE.search(head) is not None or (
        head.startswith(b"http/1.0") and b"keep-alive" not in head)
    at = head.find(b"\r\ncontent-length:")
    if at >= 0:
        used = end + 4 + int(head[at + 17:head.find(b"\r\n", at + 17)])
        return (used, status, closes) if len(buffer) >= used else None
    if b"chunked" not in head:
        return -1, status, True
    at = end + 4
    while True:
        line = buffer.find(b"\r\n", at)
        if line < 0:
            return None
        size = int(buffer[at:line].split(b";")[0], 16)
        if size == 0:  # the last chunk, then trailer fields up to an empty line
            done = line + 2 if buffer[line + 2:line + 4] == b"\r\n" else \
                buffer.find(b"\r\n\r\n", line)
            return (done + 2, status, closes) if 0 <= done <= len(buffer) - 2 else None
        at = line + 2 + size + 2
        if at > len(buffer):
            return None


class Driver(asyncio.Protocol):
    """One keep-alive connection of a measured phase, driven from the event loop's
    callbacks: each complete response is recorded and the next request written at
    once, without a coroutine, future or stream per request (the hot loop)."""

    def __init__(self, host: str, port: int, requests: list[bytes], offset: int,
                 window: Window, tally: Tally, done: asyncio.Future) -> None:
        self.host, self.port, self.requests = host, port, requests
        self.index, self.window, self.tally, self.done = offset % len(requests), window, \
            tally, done
        self.loop = done.get_loop()
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.started = 0.0
        self.running = False    # set when the phase begins: until then connections idle
        self.to_eof = False     # the response in flight ends with the connection
        self.dropped = 0        # connections closed here whose connection_lost is to come

    # connecting and reconnecting

    async def connect(self) -> None:
        await self.loop.create_connection(lambda: self, self.host, self.port)

    def reconnect(self, delay: float) -> None:
        """A new connection after `delay` (a refused one must not spin the CPU)."""
        def attempt() -> None:
            if self.done.done():
                return
            task = self.loop.create_task(self.connect())
            task.add_done_callback(self.connected)
        self.loop.call_later(delay, attempt)

    def connected(self, task: asyncio.Task) -> None:
        if task.cancelled() or self.done.done():
            return
        if task.exception() is not None:
            self.failure(f"cannot connect: {task.exception()!r}")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport, self.buffer, self.to_eof = transport, b"", False
        if self.running:
            self.send()

    def drop(self) -> None:
        """Close the current connection on purpose."""
        if self.transport is not None:
            self.dropped += 1
            self.transport.close()
            self.transport = None

    def connection_lost(self, error: Exception | None) -> None:
        if self.dropped:  # one closed by drop(): nothing to do
            self.dropped -= 1
            return
        self.transport = None
        if self.done.done():
            return
        if self.to_eof:  # a body without framing is complete at the end of the connection
            self.complete(int(self.buffer[9:12]), self.buffer, reconnect=True)
        else:
            self.failure(f"connection lost: {error!r}" if error else "connection closed")

    # the hot path

    def send(self) -> None:
        self.started = perf_counter()
        if self.started >= self.window.stop:
            self.finish()
            return
        self.transport.write(self.requests[self.index])

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        while buffer:
            parsed = parse_response(buffer)
            if parsed is None:
                break
            used, status, closes = parsed
            if used < 0:  # read on to the end of the connection
                self.to_eof = True
                break
            response, buffer = buffer[:used], buffer[used:]
            self.buffer = buffer
            self.complete(status, response, reconnect=closes)
            if closes or self.transport is None:
                return
        self.buffer = buffer

    def complete(self, status: int, response: bytes, reconnect: bool) -> None:
        ended, window, tally = perf_counter(), self.window, self.tally
        self.index = self.index + 1 if self.index + 1 < len(self.requests) else 0
        if window.start <= ended <= window.stop:
            if status == 200:
                key = bucket(int((ended - self.started) * 1e6))
                histogram = tally.histogram
                histogram[key] = histogram.get(key, 0) + 1
                tally.requests += 1
            else:
                at = response.find(b"\r\n\r\n") + 4
                tally.add_error(f"HTTP {status} {response[at:at + 200].decode(errors='replace')}")
        if reconnect:
            self.drop()
            self.reconnect(0.0)
        else:
            self.send()

    def failure(self, description: str) -> None:
        """A transport error: counted if inside the window, then a fresh connection."""
        if self.window.start <= perf_counter() <= self.window.stop:
            self.tally.add_error(description)
        self.drop()
        if perf_counter() >= self.window.stop:
            self.finish()
        else:
            self.reconnect(0.01)

    def finish(self) -> None:
        if not self.done.done():
            self.done.set_result(None)
        self.drop()


async def phase(endpoint: str, op: Operation, layout: Layout, first: int, connections: int,
                total: int, start_at: float | None, warmup: float, seconds: float) -> Tally:
    """Open `connections` connections (numbered from `first` of `total`), wait
    for the wall-clock `start_at` (if any), warm up, then measure for `seconds`."""
    host, port = split_endpoint(endpoint)
    requests = [http_request(f"{host}:{port}", op.name, body)
                for body in request_bodies(op, layout)]
    loop = asyncio.get_running_loop()
    tally = Tally()
    begin = perf_counter() + (max(0.0, start_at - time.time()) if start_at else 0.0)
    window = Window(begin + warmup, begin + warmup + seconds)
    drivers = [Driver(host, port, requests, (first + n) * len(requests) // total, window,
                      tally, loop.create_future()) for n in range(connections)]
    cpu = [0.0, 0.0]

    def sample(n: int) -> None:
        cpu[n] = time.process_time()
    try:
        await asyncio.gather(*(driver.connect() for driver in drivers))
        loop.call_later(window.start - perf_counter(), sample, 0)
        loop.call_later(window.stop - perf_counter(), sample, 1)
        await asyncio.sleep(begin - perf_counter())
        for driver in drivers:
            driver.running = True
            if driver.transport is not None:
                driver.send()
            else:  # the server closed it while idle
                driver.reconnect(0.0)
        await asyncio.wait_for(asyncio.gather(*(driver.done for driver in drivers)),
                               warmup + seconds + REQUEST_GRACE)
        tally.client_cpu_s = max(0.0, cpu[1] - cpu[0])
    except TimeoutError:
        tally.add_error(f"a request was still unanswered {REQUEST_GRACE:.0f} s after the end")
    except OSError as error:
        tally.add_error(f"cannot connect: {error}")
    finally:
        for driver in drivers:
            driver.finish()
    return tally


def run_async(coroutine):
    """Run a coroutine on a fresh event loop (uvloop's when installed: cheaper per request)."""
    try:
        import uvloop
        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coroutine)


def run_phase(*args) -> Tally:
    """`phase` in its own event loop: the unit of work of a client process."""
    return run_async(phase(*args))


def shares(total: int, parts: int) -> list[int]:
    """Split `total` connections as evenly as possible over `parts` processes."""
    return [total // parts + (1 if n < total % parts else 0) for n in range(parts)]


def measure(endpoint: str, op: Operation, layout: Layout, settings: Settings,
            pool: multiprocessing.pool.Pool | None,
            server_pgid: int | None = None) -> tuple[Tally, CpuSampler]:
    """Run one operation's phase over all client processes and merge their tallies;
    the sampler holds the server's and the machine's CPU use over the window."""
    counts = shares(settings.connections, settings.client_procs)
    # processes start together, with room to build their requests and connect
    start_at = time.time() + (1.0 if pool else 0.5)
    sampler = CpuSampler(server_pgid, start_at + settings.warmup,
                         start_at + settings.warmup + settings.seconds)
    sampler.start()
    firsts = [sum(counts[:n]) for n in range(len(counts))]
    jobs = [(endpoint, op, layout, first, count, settings.connections, start_at,
             settings.warmup, settings.seconds) for first, count in zip(firsts, counts)]
    if pool is None:
        tally = run_phase(*jobs[0])
    else:
        deadline = 10 + settings.warmup + settings.seconds + 2 * REQUEST_GRACE
        tally = Tally()
        for part in pool.starmap_async(run_phase, jobs).get(deadline):
            tally.merge(part)
    sampler.join(5.0)
    return tally, sampler


@contextmanager
def client_pool(procs: int) -> Iterator[multiprocessing.pool.Pool | None]:
    """Worker processes for --client-procs > 1 (forked: requests need no pickling)."""
    if procs <= 1:
        yield None
        return
    pool = multiprocessing.get_context("fork").Pool(procs)
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


# --- set-up: tables, preload, probes -----------------------------------------------------

async def create_table(conn: Connection, name: str, with_range: bool) -> None:
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if with_range:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": "N"})
    request = {"TableName": name, "KeySchema": schema, "AttributeDefinitions": definitions}
    status, answer = await conn.call("CreateTable", {**request, "BillingMode": "PAY_PER_REQUEST"})
    if status == 400 and error_type(answer) == "ValidationException":
        # a server without on-demand billing: capacity it does not enforce anyway
        throughput = {"ReadCapacityUnits": 10_000, "WriteCapacityUnits": 10_000}
        status, answer = await conn.call("CreateTable",
                                         {**request, "ProvisionedThroughput": throughput})
    if status != 200:
        raise LoadError(f"CreateTable {name}: {describe_error(status, answer)}")


async def wait_active(conn: Connection, name: str) -> None:
    deadline = perf_counter() + TABLE_TIMEOUT
    while perf_counter() < deadline:
        status, answer = await conn.call("DescribeTable", {"TableName": name})
        if status == 200 and answer.get("Table", {}).get("TableStatus") == "ACTIVE":
            return
        await asyncio.sleep(0.05)
    raise LoadError(f"table {name} not ACTIVE after {TABLE_TIMEOUT:.0f} s")


async def write_all(conns: list[Connection], operation: str, payloads: deque[dict]) -> None:
    """Send every payload over all connections; BatchWriteItem leftovers are re-queued."""
    budget = [3 * len(payloads) + 100]  # bounds the re-queued UnprocessedItems

    async def worker(conn: Connection) -> None:
        while payloads:
            payload = payloads.popleft()
            status, answer = await conn.call(operation, payload)
            if status != 200:
                raise LoadError(f"preload {operation}: {describe_error(status, answer)}")
            if answer.get("UnprocessedItems"):
                budget[0] -= 1
                if budget[0] < 0:
                    raise LoadError("preload: the server keeps returning UnprocessedItems")
                payloads.append({"RequestItems": answer["UnprocessedItems"]})

    try:
        await asyncio.gather(*(worker(conn) for conn in conns))
    finally:
        for conn in conns:
            conn.close()


async def preload(endpoint: str, table: str, items: list[dict], connections: int) -> str:
    """Write all items with BatchWriteItem, or PutItem if the server rejects it;
    return the operation used."""
    host, port = split_endpoint(endpoint)
    conns = [Connection(host, port) for _ in range(connections)]
    batches = deque({"RequestItems": {table: [{"PutRequest": {"Item": it}}
                                               for it in items[n:n + BATCH_SIZE]]}}
                    for n in range(0, len(items), BATCH_SIZE))
    status, answer = await conns[0].call("BatchWriteItem", batches[0])
    if status == 400 and error_type(answer) == "UnknownOperationException":
        puts = deque({"TableName": table, "Item": it} for it in items)
        await write_all(conns, "PutItem", puts)
        return "PutItem"
    if status != 200:
        raise LoadError(f"preload BatchWriteItem: {describe_error(status, answer)}")
    batches.popleft()
    if answer.get("UnprocessedItems"):
        batches.append({"RequestItems": answer["UnprocessedItems"]})
    await write_all(conns, "BatchWriteItem", batches)
    return "BatchWriteItem"


async def prepare(endpoint: str, layout: Layout, tables: list[str],
                  connections: int) -> dict[str, str]:
    """Create and preload the tables; return how each was loaded."""
    conn = Connection(*split_endpoint(endpoint))
    try:
        for table in tables:
            await create_table(conn, layout.name_of(table), table == "query")
        for table in tables:
            await wait_active(conn, layout.name_of(table))
    finally:
        conn.close()
    loaded = {}
    for table in tables:
        items = table_items(layout, table)
        started = perf_counter()
        method = await asyncio.wait_for(
            preload(endpoint, layout.name_of(table), items, connections), PRELOAD_TIMEOUT)
        loaded[table] = f"{len(items):,} items by {method} in {perf_counter() - started:.1f} s"
    return loaded


async def probe(endpoint: str, op: Operation, layout: Layout) -> tuple[str, str] | None:
    """Send one request of the phase: None if it is answered as expected, else
    ("unsupported" | "failed", reason)."""
    conn = Connection(*split_endpoint(endpoint))
    body = request_bodies(op, layout)[0]
    try:
        status, raw = await conn.exchange(http_request(conn.host_header, op.name, body))
    except TRANSPORT_ERRORS as error:
        return "failed", f"no answer: {error!r}"
    finally:
        conn.close()
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = {"message": raw[:200].decode(errors="replace")}
    if status == 400 and error_type(answer) == "UnknownOperationException":
        return "unsupported", describe_error(status, answer)
    if status != 200:
        return "failed", describe_error(status, answer)
    if op.shape == "get" and "Item" not in answer:
        return "failed", "GetItem of a preloaded item returned no Item"
    if op.shape == "query" and answer.get("Count") != layout.per_partition:
        return "failed", f"Query returned Count={answer.get('Count')}, not {layout.per_partition}"
    return None


async def drop_tables(endpoint: str, names: list[str]) -> None:
    conn = Connection(*split_endpoint(endpoint))
    try:
        for name in names:
            await conn.call("DeleteTable", {"TableName": name})
    finally:
        conn.close()


# --- results ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    connections: int = 16
    seconds: float = 10.0
    warmup: float = 2.0
    client_procs: int = 1
    items: int = 10_000
    partitions: int = 1_000
    keep_tables: bool = False


@dataclass
class OpResult:
    """One operation's outcome: status is "ok", "unsupported" or "failed"."""
    operation: str
    status: str
    requests_per_s: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int = 0
    errors: int = 0
    detail: str = ""
    # cores busy on average over the measured window: the server (its process
    # group), the load runner, and the rest of the machine (anything else running)
    server_cores: float | None = None
    client_cores: float | None = None
    other_cores: float | None = None

    @classmethod
    def from_tally(cls, operation: str, tally: Tally, seconds: float,
                   sampler: CpuSampler | None = None) -> OpResult:
        status = "ok" if tally.requests else "failed"
        result = cls(operation, status, tally.requests / seconds,
                     percentile_ms(tally.histogram, 0.50), percentile_ms(tally.histogram, 0.99),
                     tally.requests, tally.errors, tally.error_sample)
        result.client_cores = tally.client_cpu_s / seconds
        server, machine = sampler.cores() if sampler else (None, None)
        result.server_cores = server
        if machine is not None:
            result.other_cores = max(0.0, machine - (server or 0.0) - result.client_cores)
        return result

    def cpu_us_per_request(self, cores: float | None) -> float | None:
        """CPU microseconds per measured request, from a cores figure."""
        if cores is None or not self.requests_per_s:
            return None
        return cores * 1e6 / self.requests_per_s


@dataclass
class LoadReport:
    endpoint: str
    settings: Settings
    preload: dict[str, str] = field(default_factory=dict)
    results: list[OpResult] = field(default_factory=list)
    startup_s: float | None = None

    def result(self, operation: str) -> OpResult:
        return next(r for r in self.results if r.operation == operation)

    def to_dict(self) -> dict:
        return asdict(self)


def run_load(endpoint: str, operations: Sequence[Operation] | None = None,
             settings: Settings = Settings(), log: IO[str] | None = sys.stderr,
             server_pgid: int | None = None) -> LoadReport:
    """Create and preload the tables, then measure each operation in turn.

    With `server_pgid` (the server's process group) each result also says how
    many cores the server used; the machine's other load is reported either way."""
    split_endpoint(endpoint)
    operations = list(operations or OPERATIONS.values())
    suffix = uuid.uuid4().hex[:8]
    layout = Layout(f"load-items-{suffix}", f"load-query-{suffix}",
                    settings.items, settings.partitions)
    tables = sorted({op.table for op in operations})
    report = LoadReport(endpoint, settings)
    say = (lambda text: print(text, file=log, flush=True)) if log else (lambda text: None)
    try:
        report.preload = run_async(prepare(endpoint, layout, tables, settings.connections))
        say(f"  preloaded: {report.preload}")
        with client_pool(min(settings.client_procs, settings.connections)) as pool:
            for op in operations:
                report.results.append(
                    run_operation(endpoint, op, layout, settings, pool, server_pgid))
                say("  " + format_row(report.results[-1]))
    finally:
        if not settings.keep_tables:
            try:
                run_async(drop_tables(endpoint, [layout.name_of(t) for t in tables]))
            except TRANSPORT_ERRORS:
                pass  # the server may be gone; the tables go with it
    return report


def run_operation(endpoint: str, op: Operation, layout: Layout, settings: Settings,
                  pool, server_pgid: int | None = None) -> OpResult:
    verdict = run_async(probe(endpoint, op, layout))
    if verdict is not None:
        return OpResult(op.name, verdict[0], detail=verdict[1])
    tally, sampler = measure(endpoint, op, layout, settings, pool, server_pgid)
    return OpResult.from_tally(op.name, tally, settings.seconds, sampler)


HEADER = f"{'operation':10s} {'status':11s} {'requests/s':>10s} {'p50 ms':>8s} {'p99 ms':>8s} " \
         f"{'requests':>9s} {'errors':>6s} {'server µs/req':>13s} {'client µs/req':>13s} " \
         f"{'other cores':>11s}"


def figure(value: float | None, form: str, width: int) -> str:
    return f"{value:{width}{form}}" if value is not None else f"{'-':>{width}s}"


def format_row(r: OpResult) -> str:
    if r.status != "ok":
        return f"{r.operation:10s} {r.status:11s} {'-':>10s} {'-':>8s} {'-':>8s} {'-':>9s} " \
               f"{'-':>6s}  {r.detail}"
    row = f"{r.operation:10s} {r.status:11s} {r.requests_per_s:10,.0f} {r.p50_ms:8.2f} " \
          f"{r.p99_ms:8.2f} {r.requests:9,d} {r.errors:6d} " \
          f"{figure(r.cpu_us_per_request(r.server_cores), '.0f', 13)} " \
          f"{figure(r.cpu_us_per_request(r.client_cores), '.0f', 13)} " \
          f"{figure(r.other_cores, '.2f', 11)}"
    return row + (f"  first error: {r.detail}" if r.errors else "")


def format_report(report: LoadReport) -> str:
    s = report.settings
    lines = [f"endpoint {report.endpoint}: {s.connections} connections, {s.client_procs} client "
             f"process(es), {s.warmup:g} s warm-up + {s.seconds:g} s per operation"]
    if report.startup_s is not None:
        lines.append(f"startup (launch to first answer): {report.startup_s:.2f} s")
    lines += [f"preload {table}: {text}" for table, text in report.preload.items()]
    lines += ["", HEADER] + [format_row(r) for r in report.results]
    return "\n".join(lines)


# --- server start-up ---------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(host: str, port: int) -> bool:
    """Whether the endpoint answers a ListTables with 200 (blocking, short timeouts)."""
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            sock.sendall(http_request(f"{host}:{port}", "ListTables", b"{}"))
            data = b""
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    return False
                data += chunk
            return data[9:12] == b"200"
    except OSError:
        return False


def stop_process(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process started with start_new_session=True, and its whole group."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(grace)
    except ProcessLookupError:
        pass


def measure_startup(argv: Sequence[str], endpoint: str, *, env: dict | None = None,
                    cwd: str | None = None, output: IO | None = None,
                    timeout: float = 120.0) -> tuple[float, subprocess.Popen]:
    """Launch a server and time it to its first successful answer (a ListTables).

    Returns (seconds, process); the caller stops the process with stop_process.
    The process gets its own process group so that stopping it stops its children.
    """
    host, port = split_endpoint(endpoint)
    started = perf_counter()
    process = subprocess.Popen(list(argv), env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=output or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        while not answers(host, port):
            if process.poll() is not None:
                raise RuntimeError(f"exited with status {process.returncode} before answering")
            if perf_counter() - started > timeout:
                raise RuntimeError(f"no answer within {timeout:.0f} s")
            time.sleep(0.005)
    except BaseException:
        stop_process(process)
        raise
    return perf_counter() - started, process


def dynalite_py_argv(port: int, data_dir: str) -> list[str]:
    """`dynalite-py serve` from this interpreter's environment, default durability."""
    script = Path(sys.executable).with_name("dynalite-py")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]
    return [*command, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data_dir]


def dynalite_py_startup(data_dir: str | None = None) -> float:
    """Seconds from launching `dynalite-py serve` to its first successful answer."""
    with tempfile.TemporaryDirectory(prefix="dynalite-startup-") as scratch:
        port = free_port()
        seconds, process = measure_startup(dynalite_py_argv(port, data_dir or scratch),
                                           f"http://127.0.0.1:{port}")
        stop_process(process)
        return seconds


# --- command line --------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", help="a loopback http://HOST:PORT (default: start "
                        "dynalite-py serve on a temporary data directory)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per operation")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--ops", default="get,put,query", help=f"of {','.join(OPERATIONS)}")
    parser.add_argument("--client-procs", type=int, default=1,
                        help="client processes sharing the connections")
    parser.add_argument("--items", type=int, default=10_000, help="items in the GetItem table")
    parser.add_argument("--partitions", type=int, default=1_000,
                        help="10-item partitions in the Query table")
    parser.add_argument("--keep-tables", action="store_true")
    parser.add_argument("--server-pid", type=int,
                        help="with --endpoint: the server's pid, to report its CPU per request")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    unknown = set(args.ops.split(",")) - set(OPERATIONS)
    if unknown:
        parser.error(f"unknown --ops {sorted(unknown)}; choose from {sorted(OPERATIONS)}")
    if min(args.connections, args.client_procs, args.items, args.partitions) < 1 or args.seconds <= 0:
        parser.error("--connections, --client-procs, --items, --partitions and --seconds must be positive")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = Settings(args.connections, args.seconds, args.warmup, args.client_procs,
                        args.items, args.partitions, args.keep_tables)
    operations = [OPERATIONS[key] for key in args.ops.split(",")]
    process, startup = None, None
    pgid = os.getpgid(args.server_pid) if args.server_pid else None
    with tempfile.TemporaryDirectory(prefix="dynalite-load-") as scratch:
        endpoint = args.endpoint
        try:
            if endpoint is None:
                endpoint = f"http://127.0.0.1:{free_port()}"
                startup, process = measure_startup(
                    dynalite_py_argv(split_endpoint(endpoint)[1], scratch), endpoint)
                pgid = process.pid  # started in a session of its own: pid == pgid
            report = run_load(endpoint, operations, settings, server_pgid=pgid)
            report.startup_s = startup
        finally:
            if process is not None:
                stop_process(process)
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), indent=2) + "\n")


if __name__ == "__main__":
    main()

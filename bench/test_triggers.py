"""Trigger bridge: latency from an acknowledged write to the handler's start
(p50/p99; target p50 <= 20 ms) and records per second through a no-op
handler. Embedded engine, handler registered as a callable."""
from __future__ import annotations

import statistics
import threading
import time

import pytest

import dynalite_py

WRITES = 200


@pytest.fixture
def db(tmp_path):
    with dynalite_py.open(str(tmp_path), table_status_delay=0.0) as database:
        database.call("CreateTable", {
            "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}})
        yield database


def wait_until(predicate, seconds: float = 60.0) -> None:
    deadline = time.time() + seconds
    while not predicate() and time.time() < deadline:
        time.sleep(0.005)


def test_write_to_handler_latency(db, record_summary):
    started: dict[str, float] = {}
    done = threading.Event()

    def handler(event, context):
        now = time.time()
        for item in event["Records"]:
            started.setdefault(item["dynamodb"]["Keys"]["pk"]["S"], now)
        if len(started) >= WRITES:
            done.set()

    db.add_trigger("bench", handler)
    wait_until(lambda: db.engine.bridge.consumers)
    acknowledged: dict[str, float] = {}
    for index in range(WRITES):
        key = f"k{index}"
        db.call("PutItem", {"TableName": "bench", "Item": {"pk": {"S": key}}})
        acknowledged[key] = time.time()
        time.sleep(0.002)  # writes arrive one by one, as a client's would
    done.wait(60)
    latencies = sorted(max(0.0, started[key] - acknowledged[key]) * 1000 for key in acknowledged)
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    record_summary("trigger latency p50 (ms)", p50, target=("<=", 20.0))
    record_summary("trigger latency p99 (ms)", p99)


def test_records_per_second_through_a_no_op_handler(db, record_summary):
    delivered = []

    def handler(event, context):
        delivered.append(len(event["Records"]))

    for start in range(0, 5000, 25):
        db.call("BatchWriteItem", {"RequestItems": {"bench": [
            {"PutRequest": {"Item": {"pk": {"S": f"r{index}"}}}} for index in range(start, start + 25)]}})
    began = time.time()
    db.add_trigger("bench", handler)
    wait_until(lambda: sum(delivered) >= 5000)
    record_summary("trigger records/s (no-op handler, batches of 100)",
                   sum(delivered) / (time.time() - began))

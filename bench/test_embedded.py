"""Embedded engine: GetItem / PutItem through `Database.call` (no socket)."""
from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

import dynalite_py
from bench.conftest import Side, measure_interleaved

ITEM_PADDING = "x" * 150  # items of about 200 bytes


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    with dynalite_py.open(str(tmp_path_factory.mktemp("bench-embedded"))) as database:
        yield filled(database)


@pytest.fixture(scope="module")
def memory_db():
    """The same tables and items on the memory backend."""
    with dynalite_py.open(":memory:") as database:
        yield filled(database)


def filled(database):
    """`database` with the tables "bench" (1,000 items) and "bench-stream"."""
    database.call("CreateTable", {
        "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    database.client().get_waiter("table_exists").wait(TableName="bench",
                                                       WaiterConfig={"Delay": 0.01})
    database.call("CreateTable", {
        "TableName": "bench-stream", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}})
    database.client().get_waiter("table_exists").wait(TableName="bench-stream",
                                                       WaiterConfig={"Delay": 0.01})
    for index in range(1000):
        database.call("PutItem", {"TableName": "bench", "Item": item(index)})
    return database


def item(index: int, version: int = 0) -> dict:
    return {"pk": {"S": f"user-{index}"}, "name": {"S": "Ada Lovelace"},
            "version": {"N": str(version)},
            "age": {"N": str(20 + index % 50)}, "active": {"BOOL": True},
            "bio": {"S": ITEM_PADDING}}


def changed_item(counter: itertools.count) -> dict:
    index = next(counter)
    return item(index % 1000, index)


PUT_ROUNDS = 20_000  # ~1 s of writes, as pytest-benchmark gives GetItem


def bench_put_item(benchmark, database, table: str) -> None:
    """Time PutItem calls alone: each round's request, an item changed since
    its last write (a MODIFY with both images), is built outside the timing,
    as the GetItem benchmarks build their keys beforehand."""
    counter = itertools.count()

    def next_request() -> tuple[tuple, dict]:
        return ("PutItem", {"TableName": table, "Item": changed_item(counter)}), {}

    benchmark.pedantic(database.call, setup=next_request, rounds=PUT_ROUNDS,
                       warmup_rounds=100)


def test_embedded_get_item(benchmark, db, record):
    keys = itertools.cycle([{"TableName": "bench", "Key": {"pk": {"S": f"user-{n}"}}}
                            for n in range(1000)])
    benchmark(lambda: db.call("GetItem", next(keys)))
    record("embedded_get_item", benchmark)


def test_embedded_put_item(benchmark, db, record):
    bench_put_item(benchmark, db, "bench")
    record("embedded_put_item", benchmark)


def test_embedded_put_item_with_stream(benchmark, db, record):
    """The same writes on a table whose stream keeps new and old images."""
    bench_put_item(benchmark, db, "bench-stream")
    record("embedded_put_item_stream", benchmark)


@pytest.fixture(scope="module")
def postgres_db():
    """The same tables and items on the PostgreSQL backend, in a throwaway
    server on loopback (tests/pg.py; fsync off, as in the tests)."""
    pg = pytest.importorskip("pg")
    try:
        cluster = pg.Cluster()
    except RuntimeError as error:  # no PostgreSQL installed
        pytest.skip(str(error))
    try:
        with dynalite_py.open(cluster.store_url("bench")) as database:
            yield filled(database)
    finally:
        cluster.stop()


def backend_side(database, backend: str, operation: str) -> Side:
    """GetItem or PutItem calls on one backend's database, for measure_interleaved."""
    name = "embedded_get_item" if operation == "GetItem" else "embedded_put_item"
    if operation == "GetItem":
        requests = itertools.cycle([{"TableName": "bench", "Key": {"pk": {"S": f"user-{n}"}}}
                                    for n in range(1000)])
    else:
        counter = itertools.count()
        requests = ({"TableName": "bench", "Item": changed_item(counter)}
                    for _ in itertools.repeat(None))
    return Side(f"{name}_{backend}", database.call, lambda: (operation, next(requests)))


@pytest.mark.parametrize("operation", ["GetItem", "PutItem"])
def test_embedded_memory_backend(benchmark, db, memory_db, operation):
    """GetItem / PutItem on the memory backend and on LMDB, interleaved in one
    run (their ratio is what docs/benchmarks.md reports)."""
    measure_interleaved(benchmark, [backend_side(db, "lmdb", operation),
                                    backend_side(memory_db, "memory", operation)])


@pytest.mark.parametrize("operation", ["GetItem", "PutItem"])
def test_embedded_postgres_backend(benchmark, db, postgres_db, operation):
    """The same on PostgreSQL (one server on loopback) against LMDB: each
    PostgreSQL call waits for its round trips (docs/deployment.md)."""
    measure_interleaved(benchmark, [backend_side(db, "lmdb", operation),
                                    backend_side(postgres_db, "postgres", operation)],
                        blocks=10, block_calls=100)


def test_embedded_boto3_get_item(benchmark, db, record):
    """The same read through a real boto3 client wired in-process (for scale)."""
    client = db.client()
    benchmark(lambda: client.get_item(TableName="bench", Key={"pk": {"S": "user-1"}}))
    record("embedded_boto3_get_item", benchmark)


WRITERS = 16
WRITES_PER_WRITER = 50


@pytest.mark.parametrize("durability", ["process", "fsync"])
def test_concurrent_put_item_group_commit(benchmark, tmp_path, record, durability):
    """16 threads writing at once: group commit shares one commit (and, in
    fsync mode, one flush) among all queued writes."""
    import threading
    with dynalite_py.open(str(tmp_path), durability=durability, table_status_delay=0.0) as database:
        database.call("CreateTable", {
            "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
        counter = itertools.count()

        def writer() -> None:
            for _ in range(WRITES_PER_WRITER):
                database.call("PutItem", {"TableName": "bench", "Item": changed_item(counter)})

        def burst() -> None:
            threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        benchmark.pedantic(burst, rounds=5)
        record(f"embedded_put_item_16_threads_{durability}", benchmark, WRITERS * WRITES_PER_WRITER)


@pytest.fixture(scope="module")
def provisioned(db):
    """A provisioned table whose capacity is never exhausted, so throttling
    checks run on every request without ever refusing one."""
    db.call("CreateTable", {
        "TableName": "bench-provisioned", "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 10**9, "WriteCapacityUnits": 10**9},
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    db.client().get_waiter("table_exists").wait(TableName="bench-provisioned",
                                                 WaiterConfig={"Delay": 0.01})
    for index in range(1000):
        db.call("PutItem", {"TableName": "bench-provisioned", "Item": item(index)})
    yield db
    db.engine.throttler.enabled = False


def throttling_requests(operation: str) -> Iterator[dict]:
    """Endless GetItem keys, or PutItem items changed since their last write."""
    if operation == "GetItem":
        yield from itertools.cycle([{"TableName": "bench-provisioned",
                                     "Key": {"pk": {"S": f"user-{n}"}}} for n in range(1000)])
    counter = itertools.count()
    while True:
        yield {"TableName": "bench-provisioned", "Item": changed_item(counter)}


@pytest.mark.parametrize("operation", ["GetItem", "PutItem"])
def test_embedded_throttling_overhead(benchmark, provisioned, operation):
    """The same calls with throttling off and on, interleaved in one run:
    the on / off ratio of their medians is the throttling checks' cost."""
    requests = throttling_requests(operation)
    throttler = provisioned.engine.throttler
    name = "embedded_get_item" if operation == "GetItem" else "embedded_put_item"

    def side(enabled: bool) -> Side:
        def enter() -> None:
            throttler.enabled = enabled
        return Side(f"{name}_throttling_{'on' if enabled else 'off'}", provisioned.call,
                    lambda: (operation, next(requests)), enter)

    measure_interleaved(benchmark, [side(False), side(True)])
    throttler.enabled = False

"""Storage: key order within a partition, group commit, durability, sharing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest
from support import http_client, open_db, start_server

from dynalite_py.errors import DynamoError
from dynalite_py.model.keys import key_value_bytes, partition_prefix
from dynalite_py.storage.codec import pack
from dynalite_py.storage.items import StoredItem

KEYS = dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            BillingMode="PAY_PER_REQUEST")


def make_table(client, name: str, sort_type: str) -> None:
    client.create_table(TableName=name, AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": sort_type}], **KEYS)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})


def partition_sort_keys(db, table_name: str, hash_key: str, reverse: bool = False) -> list:
    engine = db.engine
    with engine.store.read() as txn:
        table = engine.catalog.active(txn, table_name)
        prefix = partition_prefix(table.id, {"S": hash_key})
        return [stored.item["sk"] for _, stored in engine.repos.items.partition(
            txn, prefix, lambda stored: key_value_bytes(stored.item["sk"]), reverse, None)]


@pytest.fixture
def db(tmp_path):
    with open_db(str(tmp_path)) as database:
        yield database


def test_string_sort_keys_in_utf8_byte_order_including_maximum_size(db):
    client = db.client()
    make_table(client, "strings", "S")
    hash_key = "h" * 2048
    long_prefix = "m" * 600
    sort_keys = ["b", "a", "\u00e9", "\U0001F600", "Z", long_prefix + "z", long_prefix + "a",
                 long_prefix, "m" * 1024, long_prefix + "q" * 424, "n"]
    for sort_key in sort_keys:
        client.put_item(TableName="strings", Item={"pk": {"S": hash_key}, "sk": {"S": sort_key}})
    client.put_item(TableName="strings", Item={"pk": {"S": "other"}, "sk": {"S": "a"}})
    expected = sorted(sort_keys, key=lambda s: s.encode())
    assert partition_sort_keys(db, "strings", hash_key) == [{"S": s} for s in expected]
    assert partition_sort_keys(db, "strings", hash_key, reverse=True) == [
        {"S": s} for s in reversed(expected)]
    for sort_key in sort_keys:
        client.delete_item(TableName="strings", Key={"pk": {"S": hash_key}, "sk": {"S": sort_key}})
    assert partition_sort_keys(db, "strings", hash_key) == []
    assert partition_sort_keys(db, "strings", "other") == [{"S": "a"}]


def test_number_sort_keys_in_numeric_order(db):
    client = db.client()
    make_table(client, "numbers", "N")
    numbers = ["-1e125", "-10", "-1.5", "-0.001", "0", "1e-130", "0.5", "2", "10", "9.99e125", "123456789012345678901234567890123456.78"]
    for number in reversed(numbers):
        client.put_item(TableName="numbers", Item={"pk": {"S": "p"}, "sk": {"N": number}})
    got = [value["N"] for value in partition_sort_keys(db, "numbers", "p")]
    from decimal import Decimal
    assert [Decimal(n) for n in got] == sorted(Decimal(n) for n in numbers)


def test_binary_sort_keys_in_byte_order(db):
    client = db.client()
    make_table(client, "binary", "B")
    values = [b"\xff", b"\x00", b"\x00\x00", b"a" * 1024, b"a" * 1023 + b"\x00", b"\x7f"]
    for value in values:
        client.put_item(TableName="binary", Item={"pk": {"S": "p"}, "sk": {"B": value}})
    got = [value["B"] for value in partition_sort_keys(db, "binary", "p")]
    import base64
    assert [base64.b64decode(v) for v in got] == sorted(values)


def test_group_commit_under_concurrent_writers(db):
    client = db.client()
    make_table(client, "busy", "N")
    errors: list[Exception] = []

    def writer(worker: int) -> None:
        try:
            for index in range(150):
                db.call("PutItem", {"TableName": "busy", "Item": {
                    "pk": {"S": f"w{worker}"}, "sk": {"N": str(index)}}})
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert client.describe_table(TableName="busy")["Table"]["ItemCount"] == 8 * 150


def test_failed_write_in_a_group_leaves_the_others_intact(db):
    client = db.client()
    make_table(client, "mixed", "N")
    table = db.engine.catalog
    store = db.engine.store
    meta = store.keyspace("meta")
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def work(index: int):
        def run(ctx):
            meta.put(ctx.txn, f"probe-{index}".encode(), b"x")
            if index % 2:
                raise RuntimeError("boom")
            return index
        barrier.wait()
        try:
            store.write(run)
            outcomes.append("ok")
        except RuntimeError:
            outcomes.append("failed")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["failed"] * 3 + ["ok"] * 3
    with store.read() as txn:
        present = {n for n in range(6) if meta.get(txn, f"probe-{n}".encode())}
    assert present == {0, 2, 4}
    assert table is db.engine.catalog


def test_failed_write_alone_leaves_nothing_and_releases_the_writer(db):
    """A write with no company runs without a nested transaction: its failure
    must abort the whole transaction, and the next write must still commit."""
    store = db.engine.store
    meta = store.keyspace("meta")

    def failing(ctx):
        meta.put(ctx.txn, b"probe-alone", b"x")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.write(failing)
    store.write(lambda ctx: meta.put(ctx.txn, b"probe-after", b"y"))
    with store.read() as txn:
        assert meta.get(txn, b"probe-alone") is None
        assert meta.get(txn, b"probe-after") == b"y"


WRITER = """
import sys, dynalite_py
db = dynalite_py.open(sys.argv[1], durability=sys.argv[2])
client = db.client()
if "acked" not in client.list_tables()["TableNames"]:
    client.create_table(TableName="acked", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "N"}], BillingMode="PAY_PER_REQUEST")
    client.get_waiter("table_exists").wait(TableName="acked", WaiterConfig={"Delay": 0.01})
index = 0
while True:
    db.call("PutItem", {"TableName": "acked", "Item": {"pk": {"N": str(index)}, "pad": {"S": "x" * 300}}})
    print(index, flush=True)
    index += 1
"""


@pytest.mark.lmdb_only("a killed process loses the memory backend")
@pytest.mark.parametrize("durability", ["process", "fsync"])
def test_acknowledged_writes_survive_sigkill(tmp_path, durability):
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), durability],
                               stdout=subprocess.PIPE, text=True)
    acknowledged = -1
    for line in process.stdout:
        acknowledged = int(line)
        if acknowledged >= 300:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with open_db(str(tmp_path)) as db:
        for index in range(acknowledged + 1):
            assert "Item" in db.call("GetItem", {"TableName": "acked", "Key": {"pk": {"N": str(index)}}})
        count = db.call("DescribeTable", {"TableName": "acked"})["Table"]["ItemCount"]
        assert count >= acknowledged + 1


@pytest.mark.lmdb_only("data kept across a restart")
def test_server_restart_keeps_data(tmp_path):
    process, url = start_server(str(tmp_path))
    client = http_client(url)
    make_table(client, "kept", "S")
    for index in range(50):
        client.put_item(TableName="kept", Item={"pk": {"S": "p"}, "sk": {"S": f"{index:03d}"}})
    process.send_signal(signal.SIGKILL)
    process.wait()
    process, url = start_server(str(tmp_path))
    try:
        client = http_client(url)
        assert client.describe_table(TableName="kept")["Table"]["ItemCount"] == 50
        assert "Item" in client.get_item(TableName="kept", Key={"pk": {"S": "p"}, "sk": {"S": "049"}})
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.lmdb_only("processes sharing one data directory")
def test_two_processes_share_one_directory(tmp_path):
    with open_db(str(tmp_path)) as first:
        make_table(first.client(), "shared", "S")
        script = ("import sys, dynalite_py\n"
                  "db = dynalite_py.open(sys.argv[1])\n"
                  "db.call('PutItem', {'TableName': 'shared', 'Item': {'pk': {'S': 'p'}, 'sk': {'S': 'child'}}})\n")
        subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True)
        got = first.call("GetItem", {"TableName": "shared", "Key": {"pk": {"S": "p"}, "sk": {"S": "child"}}})
        assert got["Item"]["sk"] == {"S": "child"}


@pytest.mark.lmdb_only("processes sharing one data directory")
def test_reads_see_tables_another_process_creates_and_deletes(tmp_path):
    """A read snapshot skips the catalog version check only when no commit
    happened since the last check; another process's CreateTable and
    DeleteTable are commits, so the next read sees them."""
    with open_db(str(tmp_path)) as first:
        make_table(first.client(), "kept", "S")
        key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
        for _ in range(2):  # the second read's snapshot matches the first's
            assert first.call("GetItem", {"TableName": "kept", "Key": key}) == {}
        script = ("import sys, time, dynalite_py\n"
                  "db = dynalite_py.open(sys.argv[1])\n"
                  "db.call('DeleteTable', {'TableName': 'kept'})\n"
                  "db.call('CreateTable', {'TableName': 'added', 'BillingMode': 'PAY_PER_REQUEST',"
                  " 'KeySchema': [{'AttributeName': 'pk', 'KeyType': 'HASH'}],"
                  " 'AttributeDefinitions': [{'AttributeName': 'pk', 'AttributeType': 'S'}]})\n"
                  "time.sleep(0.1)\n")  # past table_status_delay: the table settles
        subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True)
        with pytest.raises(DynamoError) as gone:
            first.call("GetItem", {"TableName": "kept", "Key": key})
        assert gone.value.name == "ResourceNotFoundException"
        assert first.call("GetItem", {"TableName": "added", "Key": {"pk": {"S": "p"}}}) == {}


def test_resuming_a_partition_read_at_every_position(db):
    """Every entry, used as an exclusive start, resumes at the next one, in
    both directions, including inside long groups of sort keys."""
    from dynalite_py.model.keys import item_key
    client = db.client()
    make_table(client, "resume", "S")
    long_prefix = "q" * 480
    sort_keys = ["a", "b", long_prefix + "z", long_prefix + "a", long_prefix + "m", "r", "s"]
    for sort_key in sort_keys:
        client.put_item(TableName="resume", Item={"pk": {"S": "p"}, "sk": {"S": sort_key}})
    expected = sorted(sort_keys, key=str.encode)
    engine = db.engine
    with engine.store.read() as txn:
        table = engine.catalog.active(txn, "resume")
        prefix = partition_prefix(table.id, {"S": "p"})
        for reverse in (False, True):
            order = list(reversed(expected)) if reverse else expected
            for position, sort_key in enumerate(order):
                start = item_key(table.id, "pk", "sk", {"pk": {"S": "p"}, "sk": {"S": sort_key}})
                rest = [stored.item["sk"]["S"] for _, stored in engine.repos.items.partition(
                    txn, prefix, lambda stored: key_value_bytes(stored.item["sk"]), reverse, start)]
                assert rest == order[position + 1:], (reverse, sort_key)


def test_parallel_scan_segments_cover_the_hash_space_once():
    from dynalite_py.storage.partitions import segment_bounds
    owner = b"\x00\x00\x00\x07"
    for total in (1, 2, 3, 7, 1000):
        bounds = [segment_bounds(owner, segment, total) for segment in range(total)]
        assert bounds[0][0] == owner + bytes(16)
        assert bounds[-1][1] == b"\x00\x00\x00\x08"
        for (_, high), (low, _) in zip(bounds, bounds[1:]):
            assert high == low


def test_held_writes_commit_together_at_release(db):
    """Between hold_commits and release_commits a thread's writes run at once
    but stay invisible to readers; one failure undoes only itself."""
    store = db.engine.store
    meta = store.keyspace("meta")

    def probe(name: str, fail: bool = False):
        def run(ctx):
            meta.put(ctx.txn, name.encode(), b"x")
            if fail:
                raise RuntimeError("boom")
            return name
        return run

    def visible(name: str) -> bool:
        seen = []
        def look():  # another thread, as another connection's reader would be
            with store.read() as txn:
                seen.append(meta.get(txn, name.encode()) is not None)
        reader = threading.Thread(target=look)
        reader.start()
        reader.join()
        return seen[0]

    store.hold_commits()
    try:
        assert store.write(probe("held-1")) == "held-1"
        with pytest.raises(RuntimeError):
            store.write(probe("held-2", fail=True))
        assert store.write(probe("held-3")) == "held-3"
        assert not visible("held-1")
    finally:
        assert store.release_commits() is None
    assert [visible(f"held-{n}") for n in (1, 2, 3)] == [True, False, True]
    assert store.release_commits() is None  # nothing held: nothing to do


def test_writes_called_together_share_one_commit(db):
    """Engine.call_together (the server's held writes): each write sees the
    ones before it, errors stay in their places, nothing shows before the end."""
    client = db.client()
    make_table(client, "together", "S")
    item = {"pk": {"S": "p"}, "sk": {"S": "a"}}
    calls = [
        ("PutItem", {"TableName": "together", "Item": {**item, "v": {"N": "1"}}}),
        ("PutItem", {"TableName": "together", "Item": {**item, "v": {"N": "2"}},
                     "ReturnValues": "ALL_OLD"}),
        ("PutItem", {"TableName": "together", "Item": {"pk": {"S": "p"}}}),  # no sort key
        ("DeleteItem", {"TableName": "together", "Key": {"pk": {"S": "p"}, "sk": {"S": "b"}},
                        "ConditionExpression": "attribute_exists(pk)"}),
        ("UpdateItem", {"TableName": "together", "Key": item, "UpdateExpression": "ADD v :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                        "ReturnValues": "UPDATED_NEW"}),
        ("PutItem", {"TableName": "absent", "Item": item}),
    ]
    results = db.engine.call_together([(op, request, "dynamodb") for op, request in calls])
    assert results[0] == {}
    assert results[1] == {"Attributes": {**item, "v": {"N": "1"}}}
    assert results[2].message == "One or more parameter values were invalid: " \
                                 "Missing the key sk in the item"
    assert results[3].name == "ConditionalCheckFailedException"
    assert results[4] == {"Attributes": {"v": {"N": "3"}}}
    assert results[5].name == "ResourceNotFoundException"
    assert client.get_item(TableName="together", Key=item)["Item"]["v"] == {"N": "3"}


@pytest.mark.lmdb_only("the map size")
def test_writes_called_together_all_fail_when_the_commit_fails(tmp_path):
    with open_db(str(tmp_path), map_size=1 << 20) as small:
        client = small.client()
        make_table(client, "full", "S")

        def put(n: int) -> tuple:
            return ("PutItem", {"TableName": "full", "Item": {
                "pk": {"S": "p"}, "sk": {"S": f"{n:05d}"}, "pad": {"S": "x" * 3000}}}, "dynamodb")

        stored = 0
        while not isinstance(small.engine.call_together([put(stored)])[0], Exception):
            stored += 1
        results = small.engine.call_together([put(stored + n) for n in range(5)] + [
            ("PutItem", {"TableName": "full"}, "dynamodb")])
        assert [error.name for error in results] == ["InternalServerError"] * 5 + ["ValidationException"]
        assert client.describe_table(TableName="full")["Table"]["ItemCount"] == stored


@pytest.mark.lmdb_only("the map size")
def test_a_lone_write_that_fills_the_map_reports_it_and_releases_the_writer(tmp_path):
    """A write with no company commits on its own path: a full map must come
    back as DynamoDB's InternalServerError, keep what was stored, and leave
    the store free for the next writer (which would otherwise hang)."""
    with open_db(str(tmp_path), map_size=1 << 20) as small:
        client = small.client()
        make_table(client, "full", "S")

        def put(n: int) -> dict:
            return {"TableName": "full",
                    "Item": {"pk": {"S": "p"}, "sk": {"S": f"{n:05d}"}, "pad": {"S": "x" * 3000}}}

        stored = 0
        with pytest.raises(DynamoError) as full:
            while True:
                small.call("PutItem", put(stored))
                stored += 1
        assert full.value.name == "InternalServerError"
        assert "data directory is full" in full.value.message
        with pytest.raises(DynamoError, match="data directory is full"):
            small.call("PutItem", put(stored))
        assert client.describe_table(TableName="full")["Table"]["ItemCount"] == stored
        last = {"pk": {"S": "p"}, "sk": {"S": f"{stored - 1:05d}"}}
        assert client.get_item(TableName="full", Key=last)["Item"]["sk"] == last["sk"]


@pytest.mark.parametrize("size", [0, 127, 128, 255, 256, 65_535, 65_536, 400 * 1024])
def test_stored_item_reads_its_size_from_every_header_width(size):
    """The size comes from msgpack's integer header (fixint, uint8/16/32)
    without decoding the item; the item still decodes on first use."""
    item = {"pk": {"S": "a"}, "n": {"N": "1"}}
    size_first = StoredItem(pack([size, item]))
    assert size_first.size == size
    assert size_first.item == item
    item_first = StoredItem(pack([size, item]))  # decoding the item sets the size too
    assert item_first.item == item
    assert item_first.size == size


def test_overwriting_a_large_item_with_a_small_one_keeps_table_size_exact(tmp_path):
    """A replacing put uses the old item's stored size (never decoded) for
    TableSizeBytes and capacity: both must come out as if it had been."""
    with open_db(str(tmp_path)) as db:
        client = db.client()
        client.create_table(TableName="tbl", BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        client.get_waiter("table_exists").wait(TableName="tbl", WaiterConfig={"Delay": 0.01})
        client.put_item(TableName="tbl", Item={"pk": {"S": "k"}, "v": {"S": "x" * 70_000}})
        small = client.put_item(TableName="tbl", Item={"pk": {"S": "k"}, "v": {"S": "y"}},
                                ReturnConsumedCapacity="TOTAL")
        # the larger of old (70,004 bytes: 69 KB rounded up) and new item is billed
        assert small["ConsumedCapacity"]["CapacityUnits"] == 69.0
        table = client.describe_table(TableName="tbl")["Table"]
        assert (table["ItemCount"], table["TableSizeBytes"]) == (1, len("pk") + 1 + len("v") + 1)


def test_partition_hash_is_the_stored_layout():
    """Items are stored under blake2b-16 of the type tag and the key bytes:
    data directories written by earlier builds must find their items."""
    from dynalite_py.model.keys import partition_hash
    assert partition_hash({"S": "user-5"}).hex() == "bb957e84f135f67d1edf1a560c63765a"
    assert partition_hash({"N": "42"}).hex() == "bfe4114944d77b4e93e06e73938a2c03"
    assert partition_hash({"B": "AAE="}).hex() == "7cce6fdb8059d8b79c280755b3f1353e"


@pytest.mark.lmdb_only("LMDB's group commit")
def test_group_commit_retries_a_conflicting_write_alone_or_among_others(tmp_path):
    """A queued write that raises Conflict runs again in a fresh transaction,
    whether it is alone in the commit (no nested transaction) or shares it."""
    from dynalite_py.storage.interface import Conflict
    from dynalite_py.storage.lmdb.store import LmdbStore, _Task
    store = LmdbStore(str(tmp_path / "data"), map_size=1 << 24)
    meta = store.keyspace("meta")

    def racing(name: bytes):
        attempts = []

        def work(ctx):
            attempts.append(1)
            meta.put(ctx.txn, name + b"-%d" % len(attempts), b"x")
            if len(attempts) == 1:
                raise Conflict()
            return len(attempts)
        return work
    try:
        for names in ([b"alone"], [b"first", b"second"]):
            tasks = [_Task(racing(name)) for name in names]
            store._commit_tasks(tasks)
            assert [task.outcome() for task in tasks] == [2] * len(names)
        with store.read() as txn:
            for name in (b"alone", b"first", b"second"):
                assert meta.get(txn, name + b"-1") is None  # the conflicting attempt left nothing
                assert meta.get(txn, name + b"-2") == b"x"
    finally:
        store.close()

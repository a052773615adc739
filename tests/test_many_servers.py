"""Several `dynalite-py serve` processes on one PostgreSQL database, with no
balancer in front: clients spread their calls over the servers and get the
guarantees one server gives (exact conditional increments, a write on one
read on another, one stream, triggers woken across servers, no half-write
from a server killed mid-write). PostgreSQL only; bounded for CI."""
from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import support
from botocore.exceptions import ClientError
from support import (
    AUDIT_HANDLER,
    create_table,
    http_client,
    read_stream,
    servers_sharing,
    start_server,
    unique_name,
    wait_for,
)

from dynalite_py.jobs.sweeper import LEASE as SWEEPER_LEASE
from dynalite_py.storage import open_store

pytestmark = pytest.mark.postgres_only("several servers share one PostgreSQL database")

CLIENTS = 8
INCREMENTS = 10  # per client and counter
# a lease of a killed server is taken over well within its time (10 s for
# the sweeper, 30 s for a mapping): at once, as the holder's process is gone
TAKEOVER = 8.0

@pytest.fixture
def servers(tmp_path):
    """Three servers on one store; yields their URLs."""
    with servers_sharing(str(tmp_path / "data"), 3) as urls:
        yield urls


def retried(call):
    """`call()` again while the servers answer that it lost to concurrent
    writes every time (a retryable error: nothing was written)."""
    while True:
        try:
            return call()
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("TransactionConflictException",
                                                       "ThrottlingException"):
                raise


def conditional_increment(client, table: str) -> None:
    """Read the counter, write it plus one if it has not changed meanwhile."""
    while True:
        item = client.get_item(TableName=table, Key={"pk": {"S": "counter"}},
                               ConsistentRead=True).get("Item")
        current = int(item["n"]["N"]) if item else 0
        condition = ({"ConditionExpression": "n = :seen",
                      "ExpressionAttributeValues": {":seen": {"N": str(current)}}} if item else
                     {"ConditionExpression": "attribute_not_exists(pk)"})
        try:
            retried(lambda: client.put_item(TableName=table, Item={
                "pk": {"S": "counter"}, "n": {"N": str(current + 1)}}, **condition))
            return
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise


def test_increments_from_clients_on_every_server_are_exact(servers):
    """8 clients, each spreading its calls over the three servers: read then
    conditional PutItem on one counter, UpdateItem ADD on another."""
    clients = [http_client(url) for url in servers]
    table = create_table(clients[0])
    for client in clients[1:]:  # the table is seen by every server at once
        assert client.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    failures: list[BaseException] = []

    def run(number: int) -> None:
        try:
            spread = itertools.cycle(clients[number % 3:] + clients[:number % 3])
            for _ in range(INCREMENTS):
                conditional_increment(next(spread), table)
                client = next(spread)
                retried(lambda: client.update_item(
                    TableName=table, Key={"pk": {"S": "added"}}, UpdateExpression="ADD n :one",
                    ExpressionAttributeValues={":one": {"N": "1"}}))
        except BaseException as error:
            failures.append(error)
    threads = [threading.Thread(target=run, args=(number,)) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    for client in clients:
        for counter in ("counter", "added"):
            item = client.get_item(TableName=table, Key={"pk": {"S": counter}},
                                   ConsistentRead=True)["Item"]
            assert item["n"] == {"N": str(CLIENTS * INCREMENTS)}


def test_a_write_on_one_server_is_read_on_the_others(servers):
    clients = [http_client(url) for url in servers]
    table = create_table(clients[0])
    for number, writer in enumerate(clients):
        writer.put_item(TableName=table, Item={"pk": {"S": f"k{number}"}, "v": {"N": "1"}})
        for reader in clients:
            found = reader.get_item(TableName=table, Key={"pk": {"S": f"k{number}"}},
                                    ConsistentRead=True)
            assert found["Item"]["v"] == {"N": "1"}
    assert clients[2].scan(TableName=table)["Count"] == 3


def test_one_stream_read_from_any_server(servers):
    """Writers on every server at once, each on an item of its own and all on
    a shared one: read from any server, the stream is the same, holds every
    change once, and per item in the order of its commits (each record's
    old image is the previous record's new image)."""
    clients = [http_client(url) for url in servers]
    table = create_table(clients[0], StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    writes = 8
    failures: list[BaseException] = []

    def write(number: int) -> None:
        try:
            for n in range(writes):
                for key in (f"own-{number}", "shared"):
                    retried(lambda: clients[number].put_item(TableName=table, Item={
                        "pk": {"S": key}, "n": {"S": f"{number}.{n}"}}))
        except BaseException as error:
            failures.append(error)
    threads = [threading.Thread(target=write, args=(number,)) for number in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    arn = clients[1].describe_table(TableName=table)["Table"]["LatestStreamArn"]
    seen = [read_stream(http_client(url, "dynamodbstreams"), arn) for url in servers]
    assert seen[0] == seen[1] == seen[2]
    records = seen[0]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(set(numbers))
    by_item: dict[str, list[dict]] = {}
    for record in records:
        by_item.setdefault(record["dynamodb"]["Keys"]["pk"]["S"], []).append(record["dynamodb"])
    for number in range(3):
        assert [r["NewImage"]["n"]["S"] for r in by_item[f"own-{number}"]] == [
            f"{number}.{n}" for n in range(writes)]
    shared = by_item["shared"]
    assert len(shared) == 3 * writes
    assert sorted(r["NewImage"]["n"]["S"] for r in shared) == sorted(
        f"{number}.{n}" for number in range(3) for n in range(writes))
    assert "OldImage" not in shared[0]
    for before, after in zip(shared, shared[1:]):
        assert after["OldImage"] == before["NewImage"]
    for number in range(3):  # each writer's own order holds within the shared item
        mine = [r["NewImage"]["n"]["S"] for r in shared if r["NewImage"]["n"]["S"].startswith(
            f"{number}.")]
        assert mine == [f"{number}.{n}" for n in range(writes)]


def test_a_trigger_on_one_server_is_woken_by_a_write_through_another(tmp_path):
    """The trigger's server polls its streams every 10 s: once its consumer
    runs (the first record), a record written through the other server
    reaching it within 3 s comes from the writer's NOTIFY."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "audit.py").write_text(AUDIT_HANDLER)
    table = unique_name("audited")
    writer, writer_url = start_server(str(tmp_path / "data"), "--workers", "1")
    try:
        client = http_client(writer_url)
        create_table(client, TableName=table, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        watcher, _ = start_server(str(tmp_path / "data"), "--workers", "1", "--trigger",
                                  f"{table}=audit.record", "--code-dir", str(code),
                                  env={"DYNALITE_BRIDGE_POLL_INTERVAL": "10"})
        try:
            seen = code / "seen.txt"
            client.put_item(TableName=table, Item={"pk": {"S": "first"}})
            wait_for(lambda: seen.exists() and seen.read_text() == "first\n", 30)
            time.sleep(0.5)  # the consumer waits again
            client.put_item(TableName=table, Item={"pk": {"S": "second"}})
            wait_for(lambda: seen.read_text() == "first\nsecond\n", 3)
        finally:
            watcher.terminate()
            watcher.wait(10)
    finally:
        writer.terminate()
        writer.wait(10)


def test_a_server_killed_mid_write_leaves_no_half_write(tmp_path):
    """Transactions of 10 items each go to a server that is killed -9 while
    they run: every transaction is found whole or not at all."""
    survivor, survivor_url = start_server(str(tmp_path / "data"), "--workers", "1")
    victim, victim_url = start_server(str(tmp_path / "data"), "--workers", "1")
    try:
        table = create_table(http_client(survivor_url))
        client = http_client(victim_url)
        written: list[int] = []

        def write_batches() -> None:
            for batch in itertools.count():
                try:
                    client.transact_write_items(TransactItems=[
                        {"Put": {"TableName": table, "Item": {
                            "pk": {"S": f"{batch}-{n}"}, "batch": {"N": str(batch)},
                            "pad": {"S": "x" * 2000}}}} for n in range(10)])
                except Exception:
                    return  # the server is gone
                written.append(batch)
        writer = threading.Thread(target=write_batches)
        writer.start()
        wait_for(lambda: len(written) >= 5, 20)
        os.kill(victim.pid, signal.SIGKILL)
        writer.join(30)
        items = http_client(survivor_url).get_paginator("scan").paginate(TableName=table)
        sizes: dict[str, int] = {}
        for page in items:
            for item in page["Items"]:
                sizes[item["batch"]["N"]] = sizes.get(item["batch"]["N"], 0) + 1
        assert set(sizes.values()) == {10}
        assert {int(batch) for batch in sizes} >= set(written)
    finally:
        for process in (victim, survivor):
            if process.poll() is None:
                process.terminate()
            process.wait(10)


def holder_pid(location: str, lease: str) -> int:
    """The pid of the server process holding `lease` (owner host:pid:...)."""
    store = open_store(location)
    try:
        holder = wait_for(lambda: store.lease_holder(lease, time.time()), 10)
    finally:
        store.close()
    return int(holder.split(":")[1])


def stop_all(started: list[tuple[subprocess.Popen, str]]) -> None:
    for process, _ in started:
        if process.poll() is None:
            process.terminate()
        process.wait(10)


def test_ttl_expiry_moves_to_another_server_when_its_holder_is_killed(tmp_path):
    data = str(tmp_path / "data")
    started = [start_server(data, "--workers", "1") for _ in range(2)]
    try:
        location = support.store_location(data)
        victim = next(process for process, _ in started
                      if process.pid == holder_pid(location, SWEEPER_LEASE))
        survivor_url = next(url for process, url in started if process is not victim)
        client = http_client(survivor_url)
        table = create_table(client)
        client.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "expires"})
        os.kill(victim.pid, signal.SIGKILL)
        killed = time.monotonic()
        client.put_item(TableName=table, Item={"pk": {"S": "gone"},
                                               "expires": {"N": str(int(time.time()) - 5)}})
        client.put_item(TableName=table, Item={"pk": {"S": "kept"},
                                               "expires": {"N": str(int(time.time()) + 3600)}})
        wait_for(lambda: "Item" not in client.get_item(
            TableName=table, Key={"pk": {"S": "gone"}}, ConsistentRead=True), TAKEOVER)
        assert time.monotonic() - killed < TAKEOVER
        assert "Item" in client.get_item(TableName=table, Key={"pk": {"S": "kept"}},
                                         ConsistentRead=True)
        survivor = next(process for process, _ in started if process is not victim)
        assert holder_pid(location, SWEEPER_LEASE) == survivor.pid
    finally:
        stop_all(started)


def test_a_mapping_moves_to_another_server_when_its_consumer_is_killed(tmp_path):
    """Two servers run the same --trigger; the one consuming the mapping is
    killed -9 between two batches of writes: the other takes the mapping
    over from its checkpoint and the handler sees every record (at least
    once)."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "audit.py").write_text(AUDIT_HANDLER)
    table = unique_name("audited")
    data = str(tmp_path / "data")
    trigger = ("--workers", "1", "--trigger", f"{table}=audit.record", "--code-dir", str(code))
    started = [start_server(data, *trigger)]
    try:
        create_table(http_client(started[0][1]), TableName=table, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        started.append(start_server(data, *trigger))
        clients = [http_client(url) for _, url in started]
        seen_file = code / "seen.txt"

        def seen() -> list[str]:
            return seen_file.read_text().split() if seen_file.exists() else []
        first = [f"a{n}" for n in range(10)]
        for number, key in enumerate(first):
            clients[number % 2].put_item(TableName=table, Item={"pk": {"S": key}})
        wait_for(lambda: set(seen()) >= set(first), 20)
        mapping = wait_for(lambda: http_client(started[0][1], "lambda")
                           .list_event_source_mappings()["EventSourceMappings"])[0]["UUID"]
        location = support.store_location(data)
        victim = next(process for process, _ in started
                      if process.pid == holder_pid(location, f"mapping:{mapping}"))
        survivor = next((process, http_client(url)) for process, url in started
                        if process is not victim)
        os.kill(victim.pid, signal.SIGKILL)
        killed = time.monotonic()
        second = [f"b{n}" for n in range(10)]
        for key in second:
            survivor[1].put_item(TableName=table, Item={"pk": {"S": key}})
        wait_for(lambda: set(seen()) >= set(first + second), TAKEOVER)
        assert time.monotonic() - killed < TAKEOVER
        assert holder_pid(location, f"mapping:{mapping}") == survivor[0].pid
    finally:
        stop_all(started)


def test_a_lease_held_on_another_host_is_taken_over_once_it_expires(tmp_path):
    """A holder in another pid namespace (a container with our host name,
    its pid free here) that stopped renewing is never judged dead by its
    pid: a server takes its job over when the lease expires, not before."""
    data = str(tmp_path / "data")
    location = support.store_location(data)
    store = open_store(location)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid is free here
    elsewhere = f"{socket.gethostname()}:{gone.pid}:00000000000000ff.1:12345:0badf00d"
    taken = time.time()
    try:
        assert store.acquire_lease(SWEEPER_LEASE, elsewhere, 3.0, taken)
    finally:
        store.close()
    started = [start_server(data, "--workers", "1")]
    try:
        process, url = started[0]
        client = http_client(url)
        table = create_table(client)
        client.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "expires"})
        client.put_item(TableName=table, Item={"pk": {"S": "gone"},
                                               "expires": {"N": str(int(time.time()) - 5)}})
        wait_for(lambda: "Item" not in client.get_item(
            TableName=table, Key={"pk": {"S": "gone"}}, ConsistentRead=True), TAKEOVER)
        assert time.time() >= taken + 3.0  # not before the lease expired
        assert holder_pid(location, SWEEPER_LEASE) == process.pid
    finally:
        stop_all(started)

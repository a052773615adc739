"""Several `dynalite-py serve` processes on one PostgreSQL database, with no
balancer in front: clients spread their calls over the servers and get the
guarantees one server gives (exact conditional increments, a write on one
read on another, one stream, triggers woken across servers, no half-write
from a server killed mid-write). PostgreSQL only; bounded for CI."""
from __future__ import annotations

import itertools
import os
import signal
import threading
import time

import pytest
from botocore.exceptions import ClientError
from support import (
    AUDIT_HANDLER,
    create_table,
    http_client,
    read_stream,
    start_server,
    unique_name,
    wait_for,
)

pytestmark = pytest.mark.postgres_only("several servers share one PostgreSQL database")

CLIENTS = 6
INCREMENTS = 15  # per client


@pytest.fixture
def servers(tmp_path):
    """Three servers on one store; yields their URLs."""
    started = [start_server(str(tmp_path / "data"), "--workers", "1") for _ in range(3)]
    yield [url for _, url in started]
    for process, _ in started:
        process.terminate()
        process.wait(10)


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
    clients = [http_client(url) for url in servers]
    table = create_table(clients[0])
    for client in clients[1:]:  # the table is seen by every server at once
        assert client.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    failures: list[BaseException] = []

    def run(number: int) -> None:
        try:
            spread = itertools.cycle(clients[number % 3:] + clients[:number % 3])
            for _ in range(INCREMENTS):
                client = next(spread)
                if number % 2:
                    conditional_increment(client, table)
                else:
                    retried(lambda: client.update_item(
                        TableName=table, Key={"pk": {"S": "counter"}},
                        UpdateExpression="ADD n :one",
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
        item = client.get_item(TableName=table, Key={"pk": {"S": "counter"}},
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
    clients = [http_client(url) for url in servers]
    table = create_table(clients[0], StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    for number in range(9):
        clients[number % 3].put_item(TableName=table, Item={
            "pk": {"S": "same"}, "n": {"N": str(number)}})
    arn = clients[1].describe_table(TableName=table)["Table"]["LatestStreamArn"]
    for url in servers:
        records = read_stream(http_client(url, "dynamodbstreams"), arn)
        assert [r["dynamodb"]["NewImage"]["n"]["N"] for r in records] == [
            str(n) for n in range(9)]
        numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
        assert numbers == sorted(set(numbers))


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

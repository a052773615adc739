"""Writes that touch several rows take them in one order, so concurrent
ones never deadlock on PostgreSQL (a deadlock costs its deadlock_timeout,
a second, before the database breaks it and the write runs again):
BatchWriteItem applies its items in key order, TransactWriteItems commits
its actions in key order, and a STRONG global
table's write commits its replicas in region order whichever region
writes. Each test counts the deadlocks PostgreSQL reported to the store."""
from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError
from global_support import EAST, WEST, item_of
from psycopg import errors
from support import create_table, open_db, wait_for

from dynalite_py.storage.postgres.store import PostgresStore

pytestmark = pytest.mark.postgres_only("PostgreSQL's row locks and deadlock detection")
OHIO = "us-east-2"
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


@pytest.fixture
def deadlocks(monkeypatch) -> list:
    """Every deadlock PostgreSQL reports to a write attempt of any store."""
    seen: list = []
    real = PostgresStore._attempt

    def counted(self, work):
        try:
            return real(self, work)
        except errors.DeadlockDetected:
            seen.append(True)
            raise
    monkeypatch.setattr(PostgresStore, "_attempt", counted)
    return seen


def in_threads(*calls) -> None:
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture
def db(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0) as database:
        yield database


def item(key: str, step: int) -> dict:
    return {"pk": {"S": key}, "step": {"N": str(step)}}


def test_batches_of_the_same_items_in_opposite_orders(db, deadlocks):
    client = db.client()
    name = create_table(client)

    def batches(keys: str) -> None:
        for step in range(15):
            client.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": item(
                key, step)}} for key in keys]})
    in_threads(lambda: batches("abcdef"), lambda: batches("fedcba"))
    assert deadlocks == []
    assert {found["pk"]["S"]: found["step"]["N"] for found in client.scan(
        TableName=name, ConsistentRead=True)["Items"]} == dict.fromkeys("abcdef", "14")


def test_transactions_of_the_same_items_in_opposite_orders(db, deadlocks):
    client = db.client()
    name = create_table(client)

    def transactions(keys: str) -> None:
        for step in range(15):
            try:
                client.transact_write_items(TransactItems=[
                    {"Put": {"TableName": name, "Item": item(key, step)}} for key in keys])
            except ClientError as error:  # lost to the other: AWS's answer too
                assert error.response["Error"]["Code"] == "TransactionCanceledException"
    in_threads(lambda: transactions("abcdef"), lambda: transactions("fedcba"))
    assert deadlocks == []


def test_strong_writes_from_every_region_to_one_item(db, deadlocks):
    clients = {region: db.client(region_name=region) for region in (EAST, WEST, OHIO)}
    name = create_table(clients[EAST], StreamSpecification=STREAM)
    clients[EAST].update_table(TableName=name, MultiRegionConsistency="STRONG",
                               ReplicaUpdates=[{"Create": {"RegionName": WEST}},
                                               {"Create": {"RegionName": OHIO}}])
    wait_for(lambda: clients[EAST].describe_table(TableName=name)["Table"][
        "TableStatus"] == "ACTIVE")

    def writes(region: str) -> None:
        for step in range(15):
            clients[region].put_item(TableName=name, Item={
                "pk": {"S": "hot"}, "by": {"S": f"{region}-{step}"}})
    in_threads(*(lambda region=region: writes(region) for region in clients))
    assert deadlocks == []
    items = [item_of(client, name, "hot") for client in clients.values()]
    assert items[0] == items[1] == items[2] and items[0]["by"]["S"].endswith("-14")

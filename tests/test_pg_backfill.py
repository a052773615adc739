"""An index backfill racing writers that change, delete and add items (on
every backend; on PostgreSQL the writers and the backfill's batches are
SERIALIZABLE transactions that conflict and retry): once the index is
ACTIVE it holds exactly one entry per item that has the key, with the
item's current value, and nothing else."""
from __future__ import annotations

import random
import threading
import time

from support import create_table

ITEMS = 600
BUILD_SECONDS = 30


def index_entries(client, table: str) -> dict[str, str]:
    """pk -> color of every entry of the index by-color (a Scan of it)."""
    entries: dict[str, str] = {}
    for page in client.get_paginator("scan").paginate(TableName=table, IndexName="by-color"):
        for item in page["Items"]:
            assert item["pk"]["S"] not in entries, f"two entries for {item['pk']['S']}"
            entries[item["pk"]["S"]] = item["color"]["S"]
    return entries


def table_colors(client, table: str) -> dict[str, str]:
    return {item["pk"]["S"]: item["color"]["S"]
            for page in client.get_paginator("scan").paginate(TableName=table,
                                                              ConsistentRead=True)
            for item in page["Items"] if "color" in item}


def test_a_backfill_racing_updates_deletes_and_new_items_ends_exact(client):
    table = create_table(client)
    for start in range(0, ITEMS, 25):
        client.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": {"S": f"k{n}"}, "color": {"S": "red"}}}}
            for n in range(start, start + 25)]})
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer(seed: int) -> None:
        chance = random.Random(seed)
        try:
            while not stop.is_set():
                key = {"pk": {"S": f"k{chance.randrange(ITEMS + 100)}"}}
                action = chance.random()
                if action < 0.5:
                    client.update_item(TableName=table, Key=key, UpdateExpression="SET color = :c",
                                       ExpressionAttributeValues={":c": {"S": chance.choice(
                                           ["red", "blue", "green"])}})
                elif action < 0.7:
                    client.update_item(TableName=table, Key=key, UpdateExpression="REMOVE color")
                else:
                    client.delete_item(TableName=table, Key=key)
        except BaseException as error:
            failures.append(error)
    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(2)]
    for thread in threads:
        thread.start()
    try:
        client.update_table(
            TableName=table, AttributeDefinitions=[{"AttributeName": "color", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "by-color", "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
        deadline = time.time() + BUILD_SECONDS
        while client.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0][
                "IndexStatus"] != "ACTIVE":
            assert time.time() < deadline, "the index is still CREATING"
            time.sleep(0.05)
        time.sleep(0.3)  # writes go on while the index is ACTIVE
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert failures == []
    assert index_entries(client, table) == table_colors(client, table)
    described = client.describe_table(TableName=table)["Table"]
    assert described["GlobalSecondaryIndexes"][0]["ItemCount"] == len(table_colors(client, table))

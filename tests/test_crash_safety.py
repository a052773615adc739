"""A bounded sample of the crash trials (bench/crash.py): SIGKILL during
mixed conditional updates, deletes and transactions with a GSI, a stream
and a trigger; every acknowledged write, index entry, stream record and
trigger delivery must survive. `python -m bench.crash --trials 20` is the
nightly-size run. Also: SIGKILL during an online GSI build."""
from __future__ import annotations

import signal

import pytest
from support import create_table, http_client, start_server, wait_for

from bench.crash import run

pytestmark = pytest.mark.lmdb_only("data kept across a killed server")


def test_crash_trials():
    results = run(trials=2, seed=7)
    assert all(result["writes acknowledged"] > 0 for result in results)


def test_an_index_build_killed_midway_resumes_and_completes_exactly(tmp_path):
    """SIGKILL while a new GSI is being backfilled: after a restart the build
    resumes from its stored position and the index holds each item once."""
    def color_count(client, table, color):
        return sum(page["Count"] for page in client.get_paginator("query").paginate(
            TableName=table, IndexName="by-color", Select="COUNT",
            KeyConditions={"color": {"ComparisonOperator": "EQ",
                                     "AttributeValueList": [{"S": color}]}}))

    data = str(tmp_path / "data")
    process, url = start_server(data)
    client = http_client(url)
    table = create_table(client)
    items = [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}, "color": {"S": ["red", "blue"][i % 2]},
                                      "pad": {"S": "x" * 100}}}} for i in range(3000)]
    for start in range(0, len(items), 25):
        client.batch_write_item(RequestItems={table: items[start:start + 25]})
    client.update_table(
        TableName=table, AttributeDefinitions=[{"AttributeName": "color", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "by-color", "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    process.send_signal(signal.SIGKILL)
    process.wait(10)

    process, url = start_server(data)
    try:
        client = http_client(url)
        index = client.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]
        assert index["IndexStatus"] == "CREATING"  # the kill came before the build ended
        client.put_item(TableName=table, Item={"pk": {"S": "late"}, "color": {"S": "red"}})
        wait_for(lambda: client.describe_table(TableName=table)["Table"][
            "GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE", seconds=30)
        assert color_count(client, table, "red") == 1501
        assert color_count(client, table, "blue") == 1500
        assert client.describe_table(TableName=table)["Table"][
            "GlobalSecondaryIndexes"][0]["ItemCount"] == 3001
    finally:
        process.terminate()
        process.wait(10)

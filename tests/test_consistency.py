"""Strong versus eventually consistent reads under a configured lag."""
from __future__ import annotations

import time

from support import create_table, open_db


def test_eventual_reads_may_be_stale_but_never_beyond_the_lag(tmp_path):
    lag = 0.3
    with open_db(str(tmp_path), table_status_delay=0.0, consistency_lag=lag) as db:
        client = db.client()
        table = create_table(client)
        key = {"pk": {"S": "k"}}
        client.put_item(TableName=table, Item={**key, "v": {"N": "1"}})
        assert client.get_item(TableName=table, Key=key)["Item"]["v"] == {"N": "1"}  # takes a snapshot
        client.put_item(TableName=table, Item={**key, "v": {"N": "2"}})
        written = time.monotonic()
        # at the same moment: the eventual read is stale, the strong read is fresh
        assert client.get_item(TableName=table, Key=key)["Item"]["v"] == {"N": "1"}
        assert client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["v"] == {"N": "2"}
        got = client.batch_get_item(RequestItems={table: {"Keys": [key]}})["Responses"][table][0]
        assert got["v"] == {"N": "1"}
        while client.get_item(TableName=table, Key=key)["Item"]["v"] == {"N": "1"}:
            assert time.monotonic() - written <= lag + 0.05, "stale beyond the configured lag"
            time.sleep(0.01)
        assert time.monotonic() - written <= lag + 0.05


def test_without_a_lag_every_read_is_fresh(client, table):
    key = {"pk": {"S": "fresh"}}
    for value in range(5):
        client.put_item(TableName=table, Item={**key, "v": {"N": str(value)}})
        assert client.get_item(TableName=table, Key=key)["Item"]["v"] == {"N": str(value)}

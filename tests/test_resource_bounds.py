"""Resource bounds of the server: LMDB's map size (the most data a
directory holds). Connection limits: test_connection_limits.py."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from support import create_table, http_client, start_server


@pytest.mark.lmdb_only("the map size")
def test_a_full_map_refuses_writes_and_keeps_what_was_stored(tmp_path):
    data = str(tmp_path / "data")
    process, url = start_server(data, "--workers", "1", env={"DYNALITE_MAP_SIZE": str(1 << 20)})
    try:
        client = http_client(url)
        table = create_table(client)
        stored = 0
        with pytest.raises(ClientError) as refused:
            while stored < 1000:  # 1 MiB holds a few hundred 3 KB items
                client.put_item(TableName=table, Item={"pk": {"S": f"k{stored}"}, "pad": {"S": "x" * 3000}})
                stored += 1
        # DynamoDB has no error for a full disk: its internal error, saying what to do
        assert refused.value.response["Error"]["Code"] == "InternalServerError"
        assert "DYNALITE_MAP_SIZE" in refused.value.response["Error"]["Message"]
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        assert client.describe_table(TableName=table)["Table"]["ItemCount"] == stored
        assert "Item" in client.get_item(TableName=table, Key={"pk": {"S": f"k{stored - 1}"}})
    finally:
        process.terminate()
        process.wait(10)
    process, url = start_server(data, "--workers", "1", env={"DYNALITE_MAP_SIZE": str(16 << 20)})
    try:  # a larger map on restart takes writes again, nothing lost
        client = http_client(url)
        client.put_item(TableName=table, Item={"pk": {"S": "after"}, "pad": {"S": "x" * 3000}})
        assert client.describe_table(TableName=table)["Table"]["ItemCount"] == stored + 1
    finally:
        process.terminate()
        process.wait(10)

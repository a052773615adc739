"""Time to Live: settings, background expiry, and its stream records."""
from __future__ import annotations

import pytest
from support import Clock, create_table, error_of, open_db

import dynalite_py

NOW = 1_800_000_000


def test_update_and_describe_time_to_live(client, table):
    assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"}
    spec = {"Enabled": True, "AttributeName": "expires"}
    assert client.update_time_to_live(TableName=table, TimeToLiveSpecification=spec)[
        "TimeToLiveSpecification"] == spec
    assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    assert error_of(client.update_time_to_live, TableName=table, TimeToLiveSpecification=spec) == (
        "ValidationException", "TimeToLive is already enabled")
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": False, "AttributeName": "expires"})
    assert error_of(client.update_time_to_live, TableName=table, TimeToLiveSpecification={
        "Enabled": False, "AttributeName": "expires"}) == (
        "ValidationException", "TimeToLive is already disabled")
    assert error_of(client.describe_time_to_live, TableName="no-such-table")[0] == (
        "ResourceNotFoundException")


def test_empty_attribute_name_rejected(embedded_db):
    with pytest.raises(dynalite_py.DynamoError) as info:  # boto3 refuses to send it
        embedded_db.call("UpdateTimeToLive", {"TableName": "any-table", "TimeToLiveSpecification": {
            "Enabled": True, "AttributeName": ""}})
    assert info.value.message == (
        "1 validation error detected: Value '' at 'timeToLiveSpecification.attributeName' "
        "failed to satisfy constraint: Member must have length greater than or equal to 1")


@pytest.fixture
def db(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, sweep_interval=3600.0) as database:
        database.engine.clock = Clock(NOW)
        yield database


def test_expired_items_are_deleted_with_service_records(db):
    client, streams_client = db.client(), db.client("dynamodbstreams")
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "OLD_IMAGE"})
    items = {
        "existing-expired": {"N": str(NOW - 10)},   # present before TTL was enabled
    }
    client.put_item(TableName=table, Item={"pk": {"S": "existing-expired"}, "ttl": items["existing-expired"]})
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    for name, value in {"expired": {"N": str(NOW - 1)}, "fractional": {"N": f"{NOW - 1}.5"},
                        "future": {"N": str(NOW + 3600)}, "far-future": {"N": "99999999999"},
                        "not-a-number": {"S": str(NOW - 100)}, "ancient": {"N": str(NOW - 6 * 365 * 86400)},
                        "no-attribute": None}.items():
        item = {"pk": {"S": name}}
        if value:
            item["ttl"] = value
        client.put_item(TableName=table, Item=item)
    # an item whose TTL is moved into the future before the sweep survives
    client.put_item(TableName=table, Item={"pk": {"S": "renewed"}, "ttl": {"N": str(NOW - 5)}})
    client.put_item(TableName=table, Item={"pk": {"S": "renewed"}, "ttl": {"N": str(NOW + 5)}})
    db.engine.sweep()
    remaining = sorted(name for name in ("existing-expired", "expired", "fractional", "future",
                                         "far-future", "not-a-number", "ancient", "no-attribute",
                                         "renewed")
                       if "Item" in client.get_item(TableName=table, Key={"pk": {"S": name}}))
    assert remaining == ["ancient", "far-future", "future", "no-attribute", "not-a-number", "renewed"]
    assert client.describe_table(TableName=table)["Table"]["ItemCount"] == 6
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams_client.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                                 ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    removes = [r for r in streams_client.get_records(ShardIterator=iterator)["Records"]
               if r["eventName"] == "REMOVE"]
    assert sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in removes) == [
        "existing-expired", "expired", "fractional"]
    assert all(r["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
               for r in removes)
    assert all("OldImage" in r["dynamodb"] for r in removes)
    db.engine.clock.now += 7200
    db.engine.sweep()
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "future"}})
    assert "Item" in client.get_item(TableName=table, Key={"pk": {"S": "far-future"}})


def test_background_sweeper_expires_items_by_itself(tmp_path):
    import time
    with open_db(str(tmp_path), table_status_delay=0.0, sweep_interval=0.05) as db:
        client = db.client()
        table = create_table(client)
        client.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "ttl"})
        client.put_item(TableName=table, Item={"pk": {"S": "a"}, "ttl": {"N": str(int(time.time()) - 1)}})
        deadline = time.time() + 5
        while "Item" in client.get_item(TableName=table, Key={"pk": {"S": "a"}}) and time.time() < deadline:
            time.sleep(0.02)
        assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "a"}})

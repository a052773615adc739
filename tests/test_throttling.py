"""Provisioned-throughput throttling with token buckets, on a controllable clock."""
from __future__ import annotations

import support
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from support import NO_RETRIES, Clock


def open_db(tmp_path, **settings):
    db = support.open_db(str(tmp_path), table_status_delay=0.0, throttling=True, **settings)
    db.engine.clock = Clock()
    return db


def make_table(db, read=1, write=2, gsi_write=None) -> None:
    request = {"TableName": "limited", "BillingMode": "PROVISIONED",
               "ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write},
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
    if gsi_write:
        request["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        request["GlobalSecondaryIndexes"] = [{
            "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 100, "WriteCapacityUnits": gsi_write}}]
    db.call("CreateTable", request)


def writes_until_throttled(client, limit: int = 1000, **extra) -> tuple[int, str]:
    for count in range(limit):
        try:
            client.put_item(TableName="limited", Item={"pk": {"S": f"k{count}"}, **extra})
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
            return count, error.response["Error"]["Message"]
    raise AssertionError("never throttled")


def test_burst_then_rate_then_recovery(tmp_path):
    with open_db(tmp_path, burst_seconds=10.0) as db:
        make_table(db, read=1, write=2)
        client = db.client(config=NO_RETRIES)
        passed, message = writes_until_throttled(client)
        assert passed == 20  # 10 s of banked capacity at 2 units/s
        assert message == ("The level of configured provisioned throughput for the table was "
                           "exceeded. Consider increasing your provisioning level with the "
                           "UpdateTable API.")
        db.engine.clock.now += 1.0
        assert writes_until_throttled(client)[0] == 2
        db.engine.clock.now += 100.0  # the bank refills to at most burst_seconds of capacity
        assert writes_until_throttled(client)[0] == 20
        reads = 0
        while True:
            try:
                client.get_item(TableName="limited", Key={"pk": {"S": "k1"}}, ConsistentRead=True)
                reads += 1
            except ClientError:
                break
        assert reads == 10
        stats = db.engine.throttler.statistics()["limited"]
        assert stats["ThrottledRequests"] == 4 and stats["ConsumedCapacityUnits"] == 52.0


def test_update_table_throughput_takes_effect_at_once(tmp_path):
    with open_db(tmp_path, burst_seconds=1.0) as db:
        make_table(db, write=2)
        client = db.client(config=NO_RETRIES)
        assert writes_until_throttled(client)[0] == 2
        client.update_table(TableName="limited", ProvisionedThroughput={
            "ReadCapacityUnits": 1, "WriteCapacityUnits": 50})
        db.engine.clock.now += 1.0
        assert writes_until_throttled(client)[0] == 50


def test_a_gsi_without_capacity_throttles_the_base_write(tmp_path):
    with open_db(tmp_path, burst_seconds=5.0) as db:
        make_table(db, write=100, gsi_write=1)
        client = db.client(config=NO_RETRIES)
        passed, message = writes_until_throttled(client, g={"S": "x"})
        assert passed == 5
        assert message.startswith("The level of configured provisioned throughput for one or "
                                  "more global secondary indexes of the table was exceeded.")


def test_batches_return_the_throttled_part_as_unprocessed(tmp_path):
    with open_db(tmp_path, burst_seconds=5.0) as db:
        make_table(db, read=1, write=2)
        client = db.client(config=NO_RETRIES)
        requests = [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}}}} for i in range(25)]
        response = client.batch_write_item(RequestItems={"limited": requests})
        unprocessed = response["UnprocessedItems"]["limited"]
        assert len(unprocessed) == 15 and unprocessed == requests[10:]
        keys = [{"pk": {"S": f"b{i}"}} for i in range(10)]
        got = client.batch_get_item(RequestItems={"limited": {"Keys": keys, "ConsistentRead": True}})
        assert len(got["Responses"]["limited"]) == 5
        assert got["UnprocessedKeys"]["limited"]["Keys"] == keys[5:]
        assert got["UnprocessedKeys"]["limited"]["ConsistentRead"] is True


def test_on_demand_tables_throttle_only_above_the_quota(tmp_path):
    with open_db(tmp_path, burst_seconds=1.0, on_demand_quota=30.0) as db:
        db.call("CreateTable", {"TableName": "limited", "BillingMode": "PAY_PER_REQUEST",
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
        passed, message = writes_until_throttled(db.client(config=NO_RETRIES))
        assert passed == 30
        assert message.startswith("Throughput exceeds the current capacity of your table or index.")


def test_boto3_retries_until_capacity_returns(tmp_path):
    with support.open_db(str(tmp_path), table_status_delay=0.0, throttling=True,
                         burst_seconds=0.2) as db:
        make_table(db, write=10)
        patient = db.client(config=BotoConfig(retries={"total_max_attempts": 10, "mode": "standard"}))
        retried = [patient.put_item(TableName="limited", Item={"pk": {"S": f"w{index}"}})[
            "ResponseMetadata"]["RetryAttempts"] for index in range(8)]
        assert max(retried) >= 1  # throttled, retried by boto3, then admitted
        assert db.call("DescribeTable", {"TableName": "limited"})["Table"]["ItemCount"] == 8


def test_throttling_is_off_by_default(client, table):
    for index in range(50):
        client.put_item(TableName=table, Item={"pk": {"S": f"free{index}"}})


def test_server_throttles_and_reports_statistics(tmp_path):
    import httpx
    from support import http_client, throttled_server
    with throttled_server(str(tmp_path)) as url:
        passed, _ = writes_until_throttled(http_client(url))
        assert 2 <= passed <= 3  # 2 s of burst at 1 unit/s, plus what refilled meanwhile
        stats = httpx.get(url + "/_dynalite/statistics").json()["limited"]
        assert stats["ThrottledRequests"] == 1 and stats["ConsumedCapacityUnits"] == passed

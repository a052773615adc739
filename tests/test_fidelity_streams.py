"""DynamoDB Streams and TTL answers as AWS gives them (issue 24): request
limits, paging of ListStreams and DescribeStream, iterator expiry at 15
minutes (on a clock the test moves), no record for a write that changes
nothing, and the TTL wording."""
from __future__ import annotations

import base64

import boto3
import pytest
from botocore.config import Config
from support import NO_RETRIES, REGION, Clock, create_table, error_of, open_db, unique_name


def too_big(value: int, limit: int) -> tuple[str, str]:
    return ("ValidationException", f"1 validation error detected: Value '{value}' at 'limit' "
            f"failed to satisfy constraint: Member must have value less than or equal to {limit}")


def unchecked(client, server_url, embedded_db, service: str):
    """A `service` client without botocore's own parameter checks, on
    `client`'s transport (HTTP or embedded), so requests AWS refuses reach
    the engine."""
    config = NO_RETRIES.merge(Config(parameter_validation=False))
    if client.meta.endpoint_url == server_url:
        return boto3.client(service, endpoint_url=server_url, region_name=REGION,
                            aws_access_key_id="any", aws_secret_access_key="any", config=config)
    return embedded_db.client(service, config=config)


@pytest.fixture
def streams_client(client, server_url, embedded_db):
    return unchecked(client, server_url, embedded_db, "dynamodbstreams")


@pytest.fixture
def unchecked_client(client, server_url, embedded_db):
    return unchecked(client, server_url, embedded_db, "dynamodb")


def stream_table(client, view_type: str = "KEYS_ONLY") -> tuple[str, str]:
    name = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                     "StreamViewType": view_type})
    return name, client.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def first_shard(streams_client, arn: str) -> str:
    return streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]


def trim_horizon(streams_client, arn: str) -> str:
    return streams_client.get_shard_iterator(StreamArn=arn, ShardId=first_shard(streams_client, arn),
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]


# Limits (the API reference's upper limits, which botocore's model omits) ----
def test_get_records_takes_at_most_1000(client, streams_client):
    table, arn = stream_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "a"}})
    iterator = trim_horizon(streams_client, arn)
    assert error_of(streams_client.get_records, ShardIterator=iterator, Limit=1001) == too_big(
        1001, 1000)
    assert len(streams_client.get_records(ShardIterator=iterator, Limit=1000)["Records"]) == 1


def test_list_streams_and_describe_stream_take_at_most_100(client, streams_client):
    _, arn = stream_table(client)
    assert error_of(streams_client.list_streams, Limit=101) == too_big(101, 100)
    assert error_of(streams_client.describe_stream, StreamArn=arn, Limit=101) == too_big(101, 100)
    assert streams_client.list_streams(Limit=100)["Streams"]
    assert streams_client.describe_stream(StreamArn=arn, Limit=100)["StreamDescription"]["Shards"]


@pytest.mark.parametrize("request_, path, constraint", [
    ({"ExclusiveStartShardId": "shardId-short"}, "exclusiveStartShardId",
     "Member must have length greater than or equal to 28"),
    ({"ExclusiveStartShardId": "s" * 66}, "exclusiveStartShardId",
     "Member must have length less than or equal to 65"),
    ({"ShardFilter": {"Type": "PARENT_SHARDS", "ShardId": "s" * 30}}, "shardFilter.type",
     "Member must satisfy enum value set: [CHILD_SHARDS]"),
    ({"ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": "short"}}, "shardFilter.shardId",
     "Member must have length greater than or equal to 28"),
])
def test_describe_stream_checks_its_shard_parameters(client, streams_client, request_, path,
                                                     constraint):
    _, arn = stream_table(client)
    code, message = error_of(streams_client.describe_stream, StreamArn=arn, **request_)
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value ")
    assert message.endswith(f" at '{path}' failed to satisfy constraint: {constraint}")


# Paging ---------------------------------------------------------------------
def test_list_streams_pages_through_every_stream_once(client, streams_client):
    tables = [stream_table(client) for _ in range(3)]
    arns = [arn for _, arn in tables]
    seen, start = [], None
    while True:
        page = streams_client.list_streams(
            Limit=1, **({"ExclusiveStartStreamArn": start} if start else {}))
        assert len(page["Streams"]) <= 1
        seen += [stream["StreamArn"] for stream in page["Streams"]]
        start = page.get("LastEvaluatedStreamArn")
        if start is None:
            break
        assert start == seen[-1]
    assert all(seen.count(arn) == 1 for arn in arns)
    by_table = streams_client.list_streams(TableName=tables[1][0])
    assert by_table["Streams"] == [{"StreamArn": arns[1], "TableName": tables[1][0],
                                    "StreamLabel": arns[1].rsplit("/", 1)[1]}]
    assert "LastEvaluatedStreamArn" not in by_table


def test_a_table_s_streams_listed_in_creation_order(client, streams_client):
    table, first = stream_table(client)
    client.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.01})
    client.update_table(TableName=table, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    second = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    assert second != first
    listed = streams_client.list_streams(TableName=table)["Streams"]
    assert [stream["StreamArn"] for stream in listed] == [first, second]
    page = streams_client.list_streams(TableName=table, Limit=1)
    assert page["LastEvaluatedStreamArn"] == first
    rest = streams_client.list_streams(TableName=table, ExclusiveStartStreamArn=first)
    assert [stream["StreamArn"] for stream in rest["Streams"]] == [second]


@pytest.fixture
def timed_db(tmp_path):
    """An engine on a clock the test moves, with a shard rolled over hourly."""
    with open_db(str(tmp_path), table_status_delay=0.0, stream_shard_rollover=3600.0,
                 sweep_interval=3600.0) as db:
        db.engine.clock = Clock(1_900_000_000.0)
        yield db


def test_describe_stream_pages_shards_in_order(timed_db):
    client, streams_client = timed_db.client(), timed_db.client("dynamodbstreams")
    table, arn = stream_table(client)
    for hour in range(4):
        client.put_item(TableName=table, Item={"pk": {"S": f"h{hour}"}})
        timed_db.engine.clock.now += 3600
    everything = streams_client.describe_stream(StreamArn=arn)["StreamDescription"]
    assert "LastEvaluatedShardId" not in everything
    shards = [shard["ShardId"] for shard in everything["Shards"]]
    assert len(shards) == 4 and shards == sorted(shards)
    paged, start = [], None
    while True:
        description = streams_client.describe_stream(
            StreamArn=arn, Limit=3, **({"ExclusiveStartShardId": start} if start else {}))[
            "StreamDescription"]
        paged += [shard["ShardId"] for shard in description["Shards"]]
        start = description.get("LastEvaluatedShardId")
        if start is None:
            break
        assert start == paged[-1]
    assert paged == shards


# Iterators expire 15 minutes after they were handed out ------------------------
def test_a_shard_iterator_lives_15_minutes(timed_db):
    client, streams_client = timed_db.client(), timed_db.client("dynamodbstreams")
    table, arn = stream_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "a"}})
    clock = timed_db.engine.clock
    iterator = trim_horizon(streams_client, arn)
    clock.now += 15 * 60 - 1
    page = streams_client.get_records(ShardIterator=iterator)
    assert [record["dynamodb"]["Keys"] for record in page["Records"]] == [{"pk": {"S": "a"}}]
    clock.now += 2
    assert error_of(streams_client.get_records, ShardIterator=iterator) == (
        "ExpiredIteratorException", "Shard iterator has expired")
    # the iterator a read hands back is new: it has 15 minutes of its own
    following = page["NextShardIterator"]
    clock.now += 15 * 60 - 2
    assert streams_client.get_records(ShardIterator=following)["Records"] == []
    clock.now += 3
    assert error_of(streams_client.get_records, ShardIterator=following)[0] == (
        "ExpiredIteratorException")


def test_an_iterator_naming_another_shard_is_refused(client, streams_client):
    _, arn = stream_table(client)
    iterator = trim_horizon(streams_client, arn)
    shard = first_shard(streams_client, arn)
    forged = iterator.replace(  # the same iterator, its shard id replaced
        iterator.rsplit("|", 1)[1], base64.b64encode(
            base64.b64decode(iterator.rsplit("|", 1)[1]).replace(
                shard.encode(), b"shardId-00000000000000000000-00000000")).decode())
    assert error_of(streams_client.get_records, ShardIterator=forged) == (
        "ResourceNotFoundException", "Invalid ShardId in ShardIterator")


# No record for a write that changes nothing ------------------------------------
def records_of(streams_client, arn: str) -> list[dict]:
    return streams_client.get_records(ShardIterator=trim_horizon(streams_client, arn))["Records"]


@pytest.mark.parametrize("update", [
    {"UpdateExpression": "REMOVE gone"},
    {"UpdateExpression": "REMOVE a, b.c"},
    {"UpdateExpression": "DELETE tags :t", "ExpressionAttributeValues": {":t": {"SS": ["x"]}}},
])
def test_a_no_op_update_of_a_missing_item_writes_nothing(client, streams_client, update):
    table, arn = stream_table(client, "NEW_AND_OLD_IMAGES")
    client.update_item(TableName=table, Key={"pk": {"S": "missing"}}, **update)
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "missing"}})
    assert records_of(streams_client, arn) == []
    client.delete_item(TableName=table, Key={"pk": {"S": "missing"}})
    assert records_of(streams_client, arn) == []


def test_an_update_that_leaves_the_item_as_it_was_writes_no_record(client, streams_client):
    table, arn = stream_table(client, "NEW_AND_OLD_IMAGES")
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    client.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                       ExpressionAttributeValues={":v": {"N": "1.0"}})
    client.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="REMOVE gone")
    assert [record["eventName"] for record in records_of(streams_client, arn)] == ["INSERT"]


# Time to Live -----------------------------------------------------------------
def test_ttl_enabled_twice_is_worded_by_its_attribute(client):
    table = create_table(client)
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "ttl"})
    assert error_of(client.update_time_to_live, TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "ttl"}) == (
        "ValidationException", "TimeToLive is already enabled")
    assert error_of(client.update_time_to_live, TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires"}) == (
        "ValidationException",
        "TimeToLive is active on a different AttributeName: current AttributeName is ttl")
    assert client.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}


def test_ttl_is_not_described_while_the_table_is_created(tmp_path):
    with open_db(str(tmp_path), table_status_delay=3600.0) as db:
        client = db.client(config=NO_RETRIES)
        name = unique_name()
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        assert error_of(client.describe_time_to_live, TableName=name) == (
            "ValidationException", "Cannot describe time to live while table is in CREATING "
                                   "state: Current table state is CREATING")


def test_ttl_requests_are_checked_before_the_table_is_looked_up(unchecked_client):
    missing = unique_name("missing")
    assert error_of(unchecked_client.update_time_to_live, TableName=missing,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": ""}) == (
        "ValidationException", "1 validation error detected: Value '' at "
        "'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must "
        "have length greater than or equal to 1")
    assert error_of(unchecked_client.update_time_to_live, TableName=missing,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}) == (
        "ResourceNotFoundException", f"Requested resource not found: Table: {missing} not found")
    assert error_of(unchecked_client.describe_time_to_live, TableName=missing)[0] == (
        "ResourceNotFoundException")

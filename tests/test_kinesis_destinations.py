"""Kinesis streaming destinations against moto's server as the Kinesis
endpoint (tests/s3_server.py's moto_endpoint): Enable/Describe/Update/
DisableKinesisStreamingDestination, their states and refusals, and the
change records really delivered (PutRecords), read back with boto3's
Kinesis client, over HTTP and embedded."""
from __future__ import annotations

import json
import uuid

import boto3
import pytest
import support
from support import (
    NO_RETRIES,
    REGION,
    create_table,
    error_of,
    free_port,
    http_client,
    open_db,
    start_server,
    wait_for,
)


@pytest.fixture(scope="module")
def kinesis(moto_endpoint):
    return boto3.client("kinesis", endpoint_url=moto_endpoint, region_name=REGION,
                        aws_access_key_id="any", aws_secret_access_key="any")


@pytest.fixture(scope="module")
def kinesis_server_url(tmp_path_factory, moto_endpoint):
    process, url = start_server(str(tmp_path_factory.mktemp("kinesis-server")),
                                "--kinesis-endpoint", moto_endpoint)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def kinesis_embedded_db(tmp_path_factory, moto_endpoint):
    db = open_db(str(tmp_path_factory.mktemp("kinesis-embedded")),
                 kinesis_endpoint=moto_endpoint)
    yield db
    db.close()


@pytest.fixture(params=["http", "embedded"])
def dynamodb(request, kinesis_server_url, kinesis_embedded_db):
    """A DynamoDB client on an engine delivering to moto's Kinesis."""
    if request.param == "http":
        return http_client(kinesis_server_url)
    return kinesis_embedded_db.client(config=NO_RETRIES)


def new_stream(kinesis) -> str:
    name = f"changes-{uuid.uuid4().hex[:10]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
        "StreamARN"]


def received(kinesis, arn: str) -> list[tuple[str, dict]]:
    """(partition key, decoded record) of every record in the stream's shard."""
    name = arn.rsplit("/", 1)[1]
    shard = kinesis.describe_stream(StreamName=name)["StreamDescription"]["Shards"][0]
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return [(record["PartitionKey"], json.loads(record["Data"]))
            for record in kinesis.get_records(ShardIterator=iterator)["Records"]]


def status(dynamodb, table: str, arn: str) -> str:
    destinations = dynamodb.describe_kinesis_streaming_destination(TableName=table)[
        "KinesisDataStreamDestinations"]
    return next(d["DestinationStatus"] for d in destinations if d["StreamArn"] == arn)


def enabled(dynamodb, kinesis, **precision) -> tuple[str, str]:
    """A new table streaming to a new Kinesis stream, ACTIVE."""
    table, arn = create_table(dynamodb), new_stream(kinesis)
    answer = dynamodb.enable_kinesis_streaming_destination(TableName=table, StreamArn=arn,
                                                           **precision)
    assert answer["DestinationStatus"] == "ENABLING"
    wait_for(lambda: status(dynamodb, table, arn) == "ACTIVE")
    return table, arn


def test_changes_are_delivered_in_aws_record_format(dynamodb, kinesis):
    table, arn = enabled(dynamodb, kinesis)
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})  # no change
    dynamodb.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET n = :n",
                         ExpressionAttributeValues={":n": {"N": "2"}})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "b"}})
    dynamodb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    records = wait_for(lambda: (lambda got: got if len(got) >= 4 else None)(
        received(kinesis, arn)))
    assert [r["eventName"] for _, r in records] == ["INSERT", "MODIFY", "INSERT", "REMOVE"]
    insert, modify, other, remove = (record for _, record in records)
    assert insert["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "n": {"N": "1"}}
    assert "OldImage" not in insert["dynamodb"]
    assert modify["dynamodb"]["OldImage"] == {"pk": {"S": "a"}, "n": {"N": "1"}}
    assert modify["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "n": {"N": "2"}}
    assert remove["dynamodb"]["OldImage"] == {"pk": {"S": "a"}, "n": {"N": "2"}}
    for record in (insert, modify, other, remove):
        assert record["eventSource"] == "aws:dynamodb"
        assert record["recordFormat"] == "application/json"
        assert record["tableName"] == table and record["awsRegion"] == REGION
        assert record["userIdentity"] is None and len(record["eventID"]) == 32
        assert record["dynamodb"]["ApproximateCreationDateTimePrecision"] == "MILLISECOND"
        assert record["dynamodb"]["SizeBytes"] > 0
    assert insert["dynamodb"]["Keys"] == {"pk": {"S": "a"}}
    # one item's records share a partition key (so a shard and their order)
    keys = [key for key, _ in records]
    assert keys[0] == keys[1] == keys[3] != keys[2]
    created = insert["dynamodb"]["ApproximateCreationDateTime"]
    assert 1e12 < created < 1e13  # epoch milliseconds


def test_precision_update_and_disable(dynamodb, kinesis):
    table, arn = enabled(dynamodb, kinesis, EnableKinesisStreamingConfiguration={
        "ApproximateCreationDateTimePrecision": "MILLISECOND"})
    answer = dynamodb.update_kinesis_streaming_destination(
        TableName=table, StreamArn=arn,
        UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision":
                                             "MICROSECOND"})
    assert answer["DestinationStatus"] == "UPDATING"
    assert answer["UpdateKinesisStreamingConfiguration"] == {
        "ApproximateCreationDateTimePrecision": "MICROSECOND"}
    wait_for(lambda: status(dynamodb, table, arn) == "ACTIVE")
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "x"}})
    [(_, record)] = wait_for(lambda: received(kinesis, arn))
    assert record["dynamodb"]["ApproximateCreationDateTimePrecision"] == "MICROSECOND"
    assert 1e15 < record["dynamodb"]["ApproximateCreationDateTime"] < 1e16

    answer = dynamodb.disable_kinesis_streaming_destination(TableName=table, StreamArn=arn)
    assert answer["DestinationStatus"] == "DISABLING"
    wait_for(lambda: status(dynamodb, table, arn) == "DISABLED")
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "after"}})
    # enabling again starts afresh: only changes from then on are sent
    dynamodb.enable_kinesis_streaming_destination(TableName=table, StreamArn=arn)
    wait_for(lambda: status(dynamodb, table, arn) == "ACTIVE")
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "again"}})
    records = wait_for(lambda: (lambda got: got if len(got) >= 2 else None)(
        received(kinesis, arn)))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for _, r in records] == ["x", "again"]


def test_refusals(dynamodb, kinesis):
    table, arn = enabled(dynamodb, kinesis)
    code, message = error_of(dynamodb.enable_kinesis_streaming_destination,
                             TableName=table, StreamArn=arn)
    assert code == "ResourceInUseException" and arn in message
    code, _ = error_of(dynamodb.enable_kinesis_streaming_destination, TableName=table,
                       StreamArn=new_stream(kinesis))
    assert code == "LimitExceededException"
    code, message = error_of(dynamodb.enable_kinesis_streaming_destination,
                             TableName="no-such-table", StreamArn=arn)
    assert (code, message) == ("ResourceNotFoundException",
                               "Requested resource not found: Table: no-such-table not found")
    code, _ = error_of(dynamodb.enable_kinesis_streaming_destination, TableName=table,
                       StreamArn="arn:aws:sqs:us-east-1:000000000000:not-a-stream")
    assert code == "ValidationException"
    code, message = error_of(dynamodb.enable_kinesis_streaming_destination, TableName=table,
                             StreamArn=arn, EnableKinesisStreamingConfiguration={
                                 "ApproximateCreationDateTimePrecision": "SECOND"})
    assert code == "ValidationException" and "MILLISECOND" in message
    code, _ = error_of(dynamodb.update_kinesis_streaming_destination, TableName=table,
                       StreamArn=arn, UpdateKinesisStreamingConfiguration={
                           "ApproximateCreationDateTimePrecision": "MILLISECOND"})
    assert code == "ValidationException"  # the precision it already has
    other = create_table(dynamodb)
    code, _ = error_of(dynamodb.disable_kinesis_streaming_destination, TableName=other,
                       StreamArn=arn)
    assert code == "ResourceInUseException"
    assert dynamodb.describe_kinesis_streaming_destination(TableName=other)[
        "KinesisDataStreamDestinations"] == []
    code, _ = error_of(dynamodb.describe_kinesis_streaming_destination, TableName="nothing")
    assert code == "ResourceNotFoundException"


def test_a_stream_the_endpoint_does_not_have_fails_to_enable(dynamodb):
    table = create_table(dynamodb)
    arn = "arn:aws:kinesis:us-east-1:123456789012:stream/never-created"
    dynamodb.enable_kinesis_streaming_destination(TableName=table, StreamArn=arn)
    wait_for(lambda: status(dynamodb, table, arn) == "ENABLE_FAILED")
    [destination] = dynamodb.describe_kinesis_streaming_destination(TableName=table)[
        "KinesisDataStreamDestinations"]
    assert "does not exist" in destination["DestinationStatusDescription"]
    # a failed destination is no longer live: another may be enabled
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "kept"}})


def test_an_endpoint_that_is_down_keeps_the_destination_enabling(tmp_path):
    db = open_db(str(tmp_path), kinesis_endpoint=f"http://127.0.0.1:{free_port()}",
                 bridge_retry_base=0.05)
    try:
        dynamodb = db.client(config=NO_RETRIES)
        table = create_table(dynamodb)
        arn = "arn:aws:kinesis:us-east-1:123456789012:stream/unreachable"
        dynamodb.enable_kinesis_streaming_destination(TableName=table, StreamArn=arn)
        [destination] = wait_for(lambda: [
            d for d in dynamodb.describe_kinesis_streaming_destination(TableName=table)[
                "KinesisDataStreamDestinations"] if d.get("DestinationStatusDescription")])
        assert destination["DestinationStatus"] == "ENABLING"
        assert "Delivery failing" in destination["DestinationStatusDescription"]
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "still-served"}})
        assert dynamodb.get_item(TableName=table, Key={"pk": {"S": "still-served"}})["Item"]
    finally:
        db.close()


def test_delivery_resumes_after_a_restart_from_its_checkpoint(tmp_path, moto_endpoint, kinesis):
    if support.BACKEND == "memory":
        pytest.skip("a memory store does not outlive its engine")
    db = open_db(str(tmp_path), kinesis_endpoint=moto_endpoint)
    dynamodb = db.client(config=NO_RETRIES)
    table, arn = enabled(dynamodb, kinesis)
    for n in range(3):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": f"first-{n}"}})
    wait_for(lambda: len(received(kinesis, arn)) == 3)
    db.close()
    db = open_db(str(tmp_path), kinesis_endpoint=moto_endpoint)
    try:
        dynamodb = db.client(config=NO_RETRIES)
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "second"}})
        records = wait_for(lambda: (lambda got: got if len(got) >= 4 else None)(
            received(kinesis, arn)))
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for _, r in records] == [
            "first-0", "first-1", "first-2", "second"]
    finally:
        db.close()

"""BatchWriteItem and BatchGetItem end to end."""
from __future__ import annotations

import pytest
from support import create_table, error_of, unique_name


def test_batch_write_then_batch_get_across_tables(client):
    first, second = create_table(client), create_table(client, "S", "N")
    client.put_item(TableName=first, Item={"pk": {"S": "gone"}})
    response = client.batch_write_item(RequestItems={
        first: [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}, "v": {"S": "x" * 1500}}}}
                for i in range(3)] + [{"DeleteRequest": {"Key": {"pk": {"S": "gone"}}}}],
        second: [{"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": str(i)}}}} for i in range(5)],
    }, ReturnConsumedCapacity="TOTAL")
    assert response["UnprocessedItems"] == {}
    assert {c["TableName"]: c["CapacityUnits"] for c in response["ConsumedCapacity"]} == {
        first: 3 * 2.0 + 1.0, second: 5.0}  # 1.5 KB items round to 2 units each
    got = client.batch_get_item(RequestItems={
        first: {"Keys": [{"pk": {"S": f"k{i}"}} for i in range(3)] + [{"pk": {"S": "gone"}}],
                "ProjectionExpression": "pk"},
        second: {"Keys": [{"pk": {"S": "p"}, "sk": {"N": "4"}}], "ConsistentRead": True},
    }, ReturnConsumedCapacity="TOTAL")
    assert sorted(item["pk"]["S"] for item in got["Responses"][first]) == ["k0", "k1", "k2"]
    assert all(set(item) == {"pk"} for item in got["Responses"][first])
    assert got["Responses"][second] == [{"pk": {"S": "p"}, "sk": {"N": "4"}}]
    assert got["UnprocessedKeys"] == {}
    assert {c["TableName"]: c["CapacityUnits"] for c in got["ConsumedCapacity"]} == {
        first: 4 * 0.5, second: 1.0}  # rounded per item; a missing item still costs
    assert client.describe_table(TableName=first)["Table"]["ItemCount"] == 3


def test_resource_batch_writer(resource, client):
    name = create_table(client)
    table = resource.Table(name)
    with table.batch_writer() as writer:
        for index in range(60):
            writer.put_item(Item={"pk": f"item-{index}", "n": index})
    assert client.describe_table(TableName=name)["Table"]["ItemCount"] == 60


@pytest.mark.parametrize("requests, message", [
    ([{"PutRequest": {"Item": {"pk": {"S": "a"}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}],
     "Provided list of item keys contains duplicates"),
    ([{"PutRequest": {"Item": {"pk": {"N": "5"}}}}], "The provided key element does not match the schema"),
    ([{"PutRequest": {"Item": {"pk": {"L": [{"S": "x"}]}}}}], "The provided key element does not match the schema"),
    ([{"PutRequest": {"Item": {"pk": {"S": ""}}}}],
     "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
     "contain an empty string value. Key: pk"),
    ([{"PutRequest": {"Item": {"pk": {"S": "a"}, "big": {"S": "x" * 409_600}}}}],
     "Item size has exceeded the maximum allowed size"),
])
def test_batch_write_errors_leave_nothing_written(client, table, requests, message):
    assert error_of(client.batch_write_item, RequestItems={table: requests}) == (
        "ValidationException", message)
    assert client.describe_table(TableName=table)["Table"]["ItemCount"] == 0


def test_batch_errors_for_missing_tables_and_limits(client, table):
    assert error_of(client.batch_write_item, RequestItems={unique_name(): [
        {"PutRequest": {"Item": {"pk": {"S": "a"}}}}]}) == (
        "ResourceNotFoundException", "Requested resource not found")
    assert error_of(client.batch_get_item, RequestItems={unique_name(): {
        "Keys": [{"pk": {"S": "a"}}]}}) == ("ResourceNotFoundException", "Requested resource not found")
    assert error_of(client.batch_get_item, RequestItems={table: {
        "Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "a"}}]}}) == (
        "ValidationException", "Provided list of item keys contains duplicates")
    code, message = error_of(client.batch_get_item, RequestItems={table: {
        "Keys": [{"pk": {"S": str(i)}} for i in range(101)]}})
    assert message == (f"1 validation error detected: Value at 'RequestItems.{table}.member.Keys' "
                       "failed to satisfy constraint: Member must have length less than or equal to 100")
    other = create_table(client)
    code, message = error_of(client.batch_get_item, RequestItems={
        table: {"Keys": [{"pk": {"S": str(i)}} for i in range(60)]},
        other: {"Keys": [{"pk": {"S": str(i)}} for i in range(60)]}})
    assert (code, message) == ("ValidationException", "Too many items requested for the BatchGetItem call")
    code, message = error_of(client.batch_write_item, RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(26)]})
    assert code == "ValidationException" and message.endswith(
        "Map value must satisfy constraint: [Member must have length less than or equal to 25, "
        "Member must have length greater than or equal to 1]")


def test_batch_writes_feed_the_stream(client, server_url, embedded_db):
    from support import http_client
    name = create_table(client, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    client.batch_write_item(RequestItems={name: [
        {"PutRequest": {"Item": {"pk": {"S": f"k{i}"}}}} for i in range(4)]})
    streams = (http_client(server_url, "dynamodbstreams") if client.meta.endpoint_url == server_url
               else embedded_db.client("dynamodbstreams"))
    arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in records) == ["k0", "k1", "k2", "k3"]
    assert {r["eventName"] for r in records} == {"INSERT"}

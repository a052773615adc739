"""DynamoDB Streams end to end: records, view types, iterators, shards, trimming."""
from __future__ import annotations

import pytest
from support import NO_RETRIES, Clock, create_table, error_of, http_client, open_db, read_stream

from dynalite_py.model.values import item_size

VIEW_TYPES = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]


@pytest.fixture
def streams_client(client, server_url, embedded_db):
    if client.meta.endpoint_url == server_url:
        return http_client(server_url, "dynamodbstreams")
    return embedded_db.client("dynamodbstreams", config=NO_RETRIES)


def stream_table(client, view_type: str = "NEW_AND_OLD_IMAGES") -> tuple[str, str]:
    name = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                     "StreamViewType": view_type})
    return name, client.describe_table(TableName=name)["Table"]["LatestStreamArn"]


@pytest.mark.parametrize("view_type", VIEW_TYPES)
def test_records_for_each_kind_of_write(client, streams_client, view_type):
    table, arn = stream_table(client, view_type)
    first = {"pk": {"S": "a"}, "v": {"N": "1"}}
    second = {"pk": {"S": "a"}, "v": {"N": "2"}, "w": {"S": "x"}}
    client.put_item(TableName=table, Item=first)              # INSERT
    client.put_item(TableName=table, Item=first)              # identical: no record
    client.put_item(TableName=table, Item=second)             # MODIFY
    client.put_item(TableName=table, Item=second)             # identical: no record
    client.delete_item(TableName=table, Key={"pk": {"S": "a"}})  # REMOVE
    client.delete_item(TableName=table, Key={"pk": {"S": "a"}})  # missing: no record
    records = read_stream(streams_client, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    sequence_numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence_numbers == sorted(set(sequence_numbers))
    keys = {"pk": {"S": "a"}}
    wants_new = view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    wants_old = view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    expected_images = [(first if wants_new else None, None),
                       (second if wants_new else None, first if wants_old else None),
                       (None, second if wants_old else None)]
    for record, (new, old) in zip(records, expected_images):
        body = record["dynamodb"]
        assert record["eventVersion"] == "1.1" and record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == "us-east-1" and len(record["eventID"]) == 32
        assert "userIdentity" not in record
        assert body["Keys"] == keys and body["StreamViewType"] == view_type
        assert body.get("NewImage") == new and body.get("OldImage") == old
        assert body["SizeBytes"] == item_size(keys) + item_size(new or {}) + item_size(old or {})
        assert body["ApproximateCreationDateTime"].microsecond == 0


def test_a_write_that_leaves_the_item_as_it_was_has_no_record(client, streams_client):
    """Unchanged means equal, whatever the order of the attributes; a change
    that keeps the item's stored length is still a change."""
    table, arn = stream_table(client)
    item = {"pk": {"S": "a"}, "v": {"N": "1"}, "w": {"S": "x"}}
    client.put_item(TableName=table, Item=item)                                      # INSERT
    client.put_item(TableName=table, Item={"w": {"S": "x"}, "v": {"N": "1"}, "pk": {"S": "a"}})
    client.put_item(TableName=table, Item={**item, "v": {"N": "2"}})                 # MODIFY
    client.update_item(TableName=table, Key={"pk": {"S": "a"}},
                       UpdateExpression="SET w = :w", ExpressionAttributeValues={":w": {"S": "x"}})
    client.update_item(TableName=table, Key={"pk": {"S": "a"}},
                       UpdateExpression="SET w = :w", ExpressionAttributeValues={":w": {"S": "y"}})
    client.update_item(TableName=table, Key={"pk": {"S": "absent"}},  # nothing to remove
                       UpdateExpression="REMOVE w")
    client.delete_item(TableName=table, Key={"pk": {"S": "absent"}})  # nothing to delete
    records = read_stream(streams_client, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "MODIFY"]
    assert records[1]["dynamodb"]["OldImage"]["v"] == {"N": "1"}
    assert records[1]["dynamodb"]["NewImage"]["v"] == {"N": "2"}
    assert records[2]["dynamodb"]["NewImage"]["w"] == {"S": "y"}


def test_records_stored_whole_by_earlier_builds_still_read(tmp_path):
    """Records were once stored as [creation time, whole record]; a data
    directory written then must stay readable until they are trimmed."""
    from dynalite_py.streams import log as streams

    with open_db(str(tmp_path)) as db:
        client = db.client()
        table, arn = stream_table(client, "KEYS_ONLY")
        client.put_item(TableName=table, Item={"pk": {"S": "new"}})
        store, log = db.engine.store, db.engine.repos.streams
        with store.read() as txn:
            number = streams.find_stream(txn, log, arn)["number"]
        old = {"eventID": "e" * 32, "eventName": "INSERT", "eventVersion": "1.1",
               "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
               "dynamodb": {"ApproximateCreationDateTime": 1_700_000_000, "Keys": {"pk": {"S": "old"}},
                            "SequenceNumber": streams.render_sequence(0), "SizeBytes": 5,
                            "StreamViewType": "KEYS_ONLY"}}
        store.write(lambda ctx: log.append(ctx.txn, number, 0, [1_700_000_000.0, old]))
        with store.read() as txn:
            records, _ = streams.read_records(txn, log, number, 0, None, 10)
        assert [r["dynamodb"]["Keys"] for r in records] == [{"pk": {"S": "old"}}, {"pk": {"S": "new"}}]
        assert records[0] == old


def test_size_bytes_matches_an_aws_recorded_value(client, streams_client):
    # AWS recorded SizeBytes 41 for an INSERT of {"id": "test", "data": "test"}... reproduced by
    # the §6.1 formula: keys 6 + new image 14 -> 20 for KEYS+NEW; here check the formula directly.
    table, arn = stream_table(client, "NEW_AND_OLD_IMAGES")
    client.put_item(TableName=table, Item={"pk": {"S": "id1"}, "attr": {"N": "123"}})
    body = read_stream(streams_client, arn)[0]["dynamodb"]
    assert body["SizeBytes"] == (2 + 3) + (2 + 3 + 4 + 3)


def test_iterator_types_and_paging(client, streams_client):
    table, arn = stream_table(client, "KEYS_ONLY")
    for index in range(5):
        client.put_item(TableName=table, Item={"pk": {"S": f"k{index}"}})
    shard = streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]
    latest = streams_client.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                               ShardIteratorType="LATEST")["ShardIterator"]
    assert streams_client.get_records(ShardIterator=latest)["Records"] == []
    client.put_item(TableName=table, Item={"pk": {"S": "after"}})
    after_latest = streams_client.get_records(ShardIterator=latest)["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in after_latest] == ["after"]
    horizon = streams_client.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    page = streams_client.get_records(ShardIterator=horizon, Limit=2)
    assert len(page["Records"]) == 2
    rest = streams_client.get_records(ShardIterator=page["NextShardIterator"])["Records"]
    assert len(rest) == 4
    third = page["Records"][1]["dynamodb"]["SequenceNumber"]
    at = streams_client.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                           ShardIteratorType="AT_SEQUENCE_NUMBER",
                                           SequenceNumber=third)["ShardIterator"]
    assert streams_client.get_records(ShardIterator=at, Limit=1)["Records"][0]["dynamodb"][
        "SequenceNumber"] == third
    after = streams_client.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                              SequenceNumber=third)["ShardIterator"]
    assert streams_client.get_records(ShardIterator=after, Limit=1)["Records"][0]["dynamodb"][
        "Keys"] == {"pk": {"S": "k2"}}


def test_enable_disable_and_reenable(client, streams_client):
    table, first_arn = stream_table(client, "NEW_IMAGE")
    assert error_of(client.update_table, TableName=table, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}) == (
        "ValidationException", f"Table already has an enabled stream: TableName: {table}")
    client.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.01})
    assert error_of(client.update_table, TableName=table, StreamSpecification={
        "StreamEnabled": False}) == (
        "ValidationException", f"Table has no stream to disable: TableName: {table}")
    client.put_item(TableName=table, Item={"pk": {"S": "unrecorded"}})
    disabled = streams_client.describe_stream(StreamArn=first_arn)["StreamDescription"]
    assert disabled["StreamStatus"] == "DISABLED"
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in disabled["Shards"])
    client.update_table(TableName=table, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    second_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    assert second_arn != first_arn
    listed = streams_client.list_streams(TableName=table)["Streams"]
    assert {s["StreamArn"] for s in listed} == {first_arn, second_arn}
    assert read_stream(streams_client, first_arn) == []


def test_stream_errors(client, streams_client):
    table, arn = stream_table(client)
    missing = arn.replace(table, "no-such-table")
    assert error_of(streams_client.describe_stream, StreamArn=missing) == (
        "ResourceNotFoundException", f"Requested resource not found: Stream: {missing} not found")
    code, _ = error_of(streams_client.describe_stream, StreamArn="arn:aws:dynamodb:bad-arn-xxxxxxxxxxxxxxxxxxxxxxxx")
    assert code == "ValidationException"
    code, _ = error_of(streams_client.get_records, ShardIterator="garbage-iterator")
    assert code == "ValidationException"
    shard = streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    code, _ = error_of(streams_client.get_shard_iterator, StreamArn=arn, ShardId=shard,
                       ShardIteratorType="AT_SEQUENCE_NUMBER")
    assert code == "ValidationException"
    code, _ = error_of(streams_client.get_shard_iterator, StreamArn=arn, ShardId=shard,
                       ShardIteratorType="LATEST", SequenceNumber="0" * 21)
    assert code == "ValidationException"
    code, _ = error_of(streams_client.get_shard_iterator, StreamArn=arn,
                       ShardId="shardId-00000000000000000000-00000000", ShardIteratorType="LATEST")
    assert code == "ResourceNotFoundException"


@pytest.fixture
def timed_db(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, stream_shard_rollover=3600.0,
                 sweep_interval=3600.0) as db:
        db.engine.clock = Clock()
        yield db


def test_shard_rollover_lineage(timed_db):
    client, streams_client = timed_db.client(), timed_db.client("dynamodbstreams")
    table, arn = stream_table(client, "KEYS_ONLY")
    clock = timed_db.engine.clock
    for hour in range(3):
        for index in range(2):
            client.put_item(TableName=table, Item={"pk": {"S": f"h{hour}-{index}"}})
        clock.now += 3600
    shards = streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert len(shards) == 3
    assert [s.get("ParentShardId") for s in shards] == [None, shards[0]["ShardId"], shards[1]["ShardId"]]
    assert "EndingSequenceNumber" in shards[0]["SequenceNumberRange"]
    assert "EndingSequenceNumber" not in shards[2]["SequenceNumberRange"]
    first = streams_client.get_shard_iterator(StreamArn=arn, ShardId=shards[0]["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    page = streams_client.get_records(ShardIterator=first)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]] == ["h0-0", "h0-1"]
    assert "NextShardIterator" not in page  # a closed shard read to its end
    children = streams_client.describe_stream(StreamArn=arn, ShardFilter={
        "Type": "CHILD_SHARDS", "ShardId": shards[0]["ShardId"]})["StreamDescription"]["Shards"]
    assert [s["ShardId"] for s in children] == [shards[1]["ShardId"]]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(streams_client, arn)] == [
        "h0-0", "h0-1", "h1-0", "h1-1", "h2-0", "h2-1"]


def test_retention_trims_and_iterators_expire(timed_db):
    client, streams_client = timed_db.client(), timed_db.client("dynamodbstreams")
    table, arn = stream_table(client, "KEYS_ONLY")
    clock = timed_db.engine.clock
    client.put_item(TableName=table, Item={"pk": {"S": "old"}})
    shard = streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    stale = streams_client.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    old_sequence = streams_client.get_records(ShardIterator=stale)["Records"][0]["dynamodb"]["SequenceNumber"]
    clock.now += 16 * 60
    assert error_of(streams_client.get_records, ShardIterator=stale) == (
        "ExpiredIteratorException", "Shard iterator has expired")
    clock.now += 24 * 3600
    client.put_item(TableName=table, Item={"pk": {"S": "new"}})
    horizon = streams_client.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    timed_db.engine.sweep()
    assert error_of(streams_client.get_records, ShardIterator=horizon) == (
        "TrimmedDataAccessException", "The data you are trying to access has been trimmed.")
    assert error_of(streams_client.get_shard_iterator, StreamArn=arn, ShardId=shard,
                    ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=old_sequence)[0] == (
        "TrimmedDataAccessException")
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_stream(streams_client, arn)] == ["new"]


@pytest.mark.lmdb_only("data kept across a crash")
def test_every_acknowledged_write_has_exactly_one_record_after_a_server_crash(tmp_path):
    """Writes stream in over HTTP while the server is killed with SIGKILL."""
    import signal
    import threading
    import time

    from support import start_server
    process, url = start_server(str(tmp_path))
    client = http_client(url)
    table, arn = stream_table(client, "NEW_IMAGE")
    acknowledged: list[int] = []

    def writer() -> None:
        index = 0
        try:
            while True:
                client.put_item(TableName=table, Item={"pk": {"S": f"{index:06d}"}})
                acknowledged.append(index)
                index += 1
        except Exception:  # the server died under us
            return

    thread = threading.Thread(target=writer)
    thread.start()
    while len(acknowledged) < 200:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    thread.join(30)
    process, url = start_server(str(tmp_path))
    try:
        records = read_stream(http_client(url, "dynamodbstreams"), arn)
        written = [int(r["dynamodb"]["Keys"]["pk"]["S"]) for r in records]
        assert written == list(range(len(written)))  # in order, no gaps, no duplicates
        assert len(written) >= len(acknowledged)      # every acknowledged write is there
        assert len(written) <= len(acknowledged) + 1  # at most the one in flight
        count = http_client(url).describe_table(TableName=table)["Table"]["ItemCount"]
        assert count == len(written)
    finally:
        process.terminate()
        process.wait(10)

"""Namespaces: every request belongs to an account and a region (its
credentials' scope and key, or its host name), and sees only that
namespace's tables, streams, functions and queues; --shared-namespace
gives every request one namespace. Over HTTP and embedded, on every backend."""
from __future__ import annotations

import json
import time

import boto3
import pytest
import support
from botocore.exceptions import ClientError
from support import (
    NO_RETRIES,
    Clock,
    create_function,
    create_table,
    open_db,
    start_server,
    unique_name,
    wait_for,
)

from dynalite_py.config import Config
from dynalite_py.namespaces import Namespace, request_namespace

DEFAULT_ACCOUNT = "000000000000"
OTHER_ACCOUNT = "111122223333"
STREAMED = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}}


@pytest.fixture(params=["http", "embedded"])
def client_in(request, server_url, embedded_db):
    """client_in(region, service="dynamodb"): a boto3 client of that region,
    over HTTP to the session's server or embedded, in turn."""
    def make(region: str, service: str = "dynamodb", key: str = "any"):
        if request.param == "http":
            return boto3.client(service, endpoint_url=server_url, region_name=region,
                                aws_access_key_id=key, aws_secret_access_key="any",
                                config=NO_RETRIES)
        return embedded_db.client(service, region_name=region, config=NO_RETRIES,
                                  aws_access_key_id=key, aws_secret_access_key="any")
    return make


def item_of(client, table: str, key: str) -> dict | None:
    return client.get_item(TableName=table, Key={"pk": {"S": key}}).get("Item")


def test_regions_see_only_their_own_tables_items_and_streams(client_in):
    east, west = client_in("us-east-1"), client_in("eu-west-1")
    name = create_table(east, **STREAMED)
    assert name not in west.list_tables()["TableNames"]
    with pytest.raises(ClientError) as info:
        west.describe_table(TableName=name)
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # the same name in another region is another table, with its own items
    west.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", **STREAMED,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    west.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    east.put_item(TableName=name, Item={"pk": {"S": "a"}, "where": {"S": "east"}})
    west.put_item(TableName=name, Item={"pk": {"S": "a"}, "where": {"S": "west"}})
    west.put_item(TableName=name, Item={"pk": {"S": "b"}})
    assert item_of(east, name, "a")["where"] == {"S": "east"}
    assert item_of(west, name, "a")["where"] == {"S": "west"}
    assert item_of(east, name, "b") is None
    assert east.scan(TableName=name)["Count"] == 1 and west.scan(TableName=name)["Count"] == 2
    # ARNs carry the region; each region's streams list only its own
    west_table = west.describe_table(TableName=name)["Table"]
    assert west_table["TableArn"] == f"arn:aws:dynamodb:eu-west-1:{DEFAULT_ACCOUNT}:table/{name}"
    assert east.describe_table(TableName=name)["Table"]["TableArn"].startswith(
        "arn:aws:dynamodb:us-east-1:")
    for region, client in (("eu-west-1", west), ("us-east-1", east)):
        streams = client_in(region, "dynamodbstreams")
        arns = [s["StreamArn"] for s in streams.list_streams(TableName=name)["Streams"]]
        assert len(arns) == 1 and arns[0].startswith(f"arn:aws:dynamodb:{region}:")
        shards = streams.describe_stream(StreamArn=arns[0])["StreamDescription"]["Shards"]
        iterator = streams.get_shard_iterator(StreamArn=arns[0], ShardId=shards[0]["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        assert len(records) == (2 if region == "eu-west-1" else 1)
        assert all(r["awsRegion"] == region for r in records)
    # deleting one region's table leaves the other's
    west.delete_table(TableName=name)
    assert item_of(east, name, "a")["where"] == {"S": "east"}


def test_functions_and_queues_are_scoped_to_their_region(client_in):
    east, west = client_in("us-east-1", "lambda"), client_in("ap-south-1", "lambda")
    name = create_function(west, "def handler(event, context):\n    return 1\n")
    arn = west.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    assert arn == f"arn:aws:lambda:ap-south-1:{DEFAULT_ACCOUNT}:function:{name}"
    with pytest.raises(ClientError) as info:
        east.get_function(FunctionName=name)
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert name not in [f["FunctionName"] for f in east.list_functions()["Functions"]]
    west.delete_function(FunctionName=name)

    east_sqs, west_sqs = client_in("us-east-1", "sqs"), client_in("ap-south-1", "sqs")
    queue = unique_name("q")
    url = west_sqs.create_queue(QueueName=queue)["QueueUrl"]
    attributes = west_sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    assert attributes["Attributes"]["QueueArn"] == f"arn:aws:sqs:ap-south-1:{DEFAULT_ACCOUNT}:{queue}"
    assert url in west_sqs.list_queues(QueueNamePrefix=queue).get("QueueUrls", [])
    assert not east_sqs.list_queues(QueueNamePrefix=queue).get("QueueUrls")
    with pytest.raises(ClientError) as info:
        east_sqs.get_queue_url(QueueName=queue)
    assert "NonExistentQueue" in info.value.response["Error"]["Code"]
    west_sqs.delete_queue(QueueUrl=url)


def test_accounts_of_access_keys_are_namespaces(tmp_path):
    accounts = {"KEY-OF-OTHER": OTHER_ACCOUNT}
    with open_db(str(tmp_path), accounts=accounts, table_status_delay=0.0) as db:
        mine = db.client(aws_access_key_id="anyone", aws_secret_access_key="x")
        theirs = db.client(aws_access_key_id="KEY-OF-OTHER", aws_secret_access_key="x")
        name = create_table(theirs)
        assert theirs.describe_table(TableName=name)["Table"]["TableArn"] == \
            f"arn:aws:dynamodb:us-east-1:{OTHER_ACCOUNT}:table/{name}"
        assert name not in mine.list_tables()["TableNames"]
        # the engine's own entry point takes the namespace too
        found = db.call("DescribeTable", {"TableName": name},
                        namespace=Namespace(OTHER_ACCOUNT, "us-east-1"))
        assert found["Table"]["TableName"] == name
        with pytest.raises(ClientError):
            mine.describe_table(TableName=name)


def test_the_shared_namespace_serves_every_region_alike(tmp_path):
    with open_db(str(tmp_path), shared_namespace=True, table_status_delay=0.0) as db:
        west = db.client(region_name="eu-west-1")
        name = create_table(west)
        east = db.client(region_name="ap-southeast-2")
        assert name in east.list_tables()["TableNames"]
        # today's ARNs: the engine's account and region
        assert east.describe_table(TableName=name)["Table"]["TableArn"].startswith(
            f"arn:aws:dynamodb:us-east-1:{DEFAULT_ACCOUNT}:table/")


def test_ttl_expires_items_of_a_table_in_another_region(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, sweep_interval=3600.0) as db:
        clock = db.engine.clock = Clock()
        west = db.client(region_name="eu-west-1")
        name = create_table(west)
        west.update_time_to_live(TableName=name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "ttl"})
        west.put_item(TableName=name, Item={"pk": {"S": "old"}, "ttl": {"N": str(clock.now - 5)}})
        west.put_item(TableName=name, Item={"pk": {"S": "new"}, "ttl": {"N": str(clock.now + 60)}})
        db.engine.sweep()
        assert item_of(west, name, "old") is None and item_of(west, name, "new") is not None
        clock.now += 120
        db.engine.sweep()
        assert west.scan(TableName=name)["Count"] == 0


RECORDER = '''
import json, os
def handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps({"records": event["Records"],
                              "function": context.invoked_function_arn}) + "\\n")
'''


def test_a_stream_trigger_runs_in_another_region(tmp_path):
    out = tmp_path / "seen.jsonl"
    with open_db(str(tmp_path / "data"), table_status_delay=0.0) as db:
        west, west_lambda = db.client(region_name="eu-west-1"), db.client(
            "lambda", region_name="eu-west-1")
        name = create_table(west, **STREAMED)
        stream_arn = west.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        function = create_function(west_lambda, RECORDER,
                                   Environment={"Variables": {"OUT": str(out)}})
        west_lambda.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=function,
                                                StartingPosition="TRIM_HORIZON")
        west.put_item(TableName=name, Item={"pk": {"S": "a"}})
        line = wait_for(lambda: out.exists() and out.read_text().strip() or None, 20)
        seen = json.loads(line.splitlines()[0])
        assert seen["records"][0]["eventSourceARN"] == stream_arn
        assert seen["records"][0]["awsRegion"] == "eu-west-1"
        assert seen["function"].startswith("arn:aws:lambda:eu-west-1:")


def test_a_reopened_store_keeps_every_namespace_and_the_default_keys(tmp_path):
    path = str(tmp_path / "data")
    with open_db(path, table_status_delay=0.0) as db:
        default = create_table(db.client())
        other = create_table(db.client(region_name="eu-west-1"))
        db.client(region_name="eu-west-1").put_item(TableName=other, Item={"pk": {"S": "kept"}})
        # the default namespace's records are under their plain names, as
        # stores wrote them before namespaces existed
        with db.engine.store.read() as snapshot:
            catalog = db.engine.store.keyspace("catalog")
            assert catalog.get(snapshot, default.encode()) is not None
            assert catalog.get(snapshot, other.encode()) is None
    if support.BACKEND == "memory":
        return  # nothing outlives the process's store
    with open_db(path, table_status_delay=0.0) as db:
        assert default in db.client().list_tables()["TableNames"]
        assert other not in db.client().list_tables()["TableNames"]
        assert item_of(db.client(region_name="eu-west-1"), other, "kept") is not None


def test_requests_map_to_namespaces_by_scope_key_and_host():
    config = Config(accounts={"AKIDOTHER": OTHER_ACCOUNT})
    header = ("AWS4-HMAC-SHA256 Credential={}/20260101/{}/dynamodb/aws4_request, "
              "SignedHeaders=host, Signature=00")
    assert request_namespace(config, header.format("AKID", "eu-west-1"), "localhost:8000") == \
        Namespace(DEFAULT_ACCOUNT, "eu-west-1")
    assert request_namespace(config, header.format("AKIDOTHER", "us-west-2"), None) == \
        Namespace(OTHER_ACCOUNT, "us-west-2")
    # presigned: the query's credential
    query = "X-Amz-Credential=AKIDOTHER%2F20260101%2Fsa-east-1%2Fdynamodb%2Faws4_request"
    assert request_namespace(config, None, "localhost", query) == \
        Namespace(OTHER_ACCOUNT, "sa-east-1")
    # unsigned: the host's region, else the default namespace
    assert request_namespace(config, None, "dynamodb.ap-northeast-1.amazonaws.com") == \
        Namespace(DEFAULT_ACCOUNT, "ap-northeast-1")
    assert request_namespace(config, None, "127.0.0.1:8000") == \
        Namespace(DEFAULT_ACCOUNT, "us-east-1")
    assert request_namespace(config, "garbage", "localhost") == \
        Namespace(DEFAULT_ACCOUNT, "us-east-1")
    shared = Config(shared_namespace=True)
    assert request_namespace(shared, header.format("AKID", "eu-west-1"), "localhost") == \
        Namespace(DEFAULT_ACCOUNT, "us-east-1")


def test_signed_servers_map_keys_to_accounts_and_accept_every_region(tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text("[mine]\naws_access_key_id = MINE\naws_secret_access_key = s1\n"
                           f"[theirs]\naws_access_key_id = THEIRS\naws_secret_access_key = s2\n"
                           f"aws_account_id = {OTHER_ACCOUNT}\n")
    process, url = start_server(str(tmp_path / "data"), "--auth", str(credentials))
    try:
        def client(key: str, secret: str, region: str = "us-east-1"):
            return boto3.client("dynamodb", endpoint_url=url, region_name=region,
                                aws_access_key_id=key, aws_secret_access_key=secret,
                                config=NO_RETRIES)
        theirs = client("THEIRS", "s2", "eu-north-1")
        name = create_table(theirs)
        assert theirs.describe_table(TableName=name)["Table"]["TableArn"] == \
            f"arn:aws:dynamodb:eu-north-1:{OTHER_ACCOUNT}:table/{name}"
        assert name not in client("MINE", "s1", "eu-north-1").list_tables()["TableNames"]
        assert name not in client("THEIRS", "s2").list_tables()["TableNames"]
        with pytest.raises(ClientError) as info:  # a signature is still checked
            client("THEIRS", "wrong", "eu-north-1").list_tables()
        assert info.value.response["Error"]["Code"] == "InvalidSignatureException"
    finally:
        process.terminate()
        process.wait(10)


def test_the_shared_namespace_option_of_serve(tmp_path):
    process, url = start_server(str(tmp_path / "data"), "--shared-namespace")
    try:
        def client(region: str):
            return boto3.client("dynamodb", endpoint_url=url, region_name=region,
                                aws_access_key_id="k", aws_secret_access_key="s",
                                config=NO_RETRIES)
        name = create_table(client("eu-west-1"))
        assert name in client("us-west-2").list_tables()["TableNames"]
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.postgres_only("two engines share one PostgreSQL database")
def test_engines_on_one_database_share_each_namespace(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0) as first, \
            open_db(str(tmp_path), table_status_delay=0.0) as second:
        name = create_table(first.client(region_name="eu-west-1"))
        first.client(region_name="eu-west-1").put_item(TableName=name, Item={"pk": {"S": "a"}})
        assert item_of(second.client(region_name="eu-west-1"), name, "a") is not None
        assert name not in second.client().list_tables()["TableNames"]


@pytest.mark.postgres_only("two engines share one PostgreSQL database")
def test_another_engine_finds_a_new_namespace_and_runs_its_jobs(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, sweep_interval=0.05) as survivor:
        # the first engine never sweeps by itself (its interval is an hour)
        with open_db(str(tmp_path), table_status_delay=0.0, sweep_interval=3600.0) as first:
            west = first.client(region_name="eu-west-1")
            name = create_table(west)
            west.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": "ttl"})
            west.put_item(TableName=name, Item={"pk": {"S": "old"},
                                                "ttl": {"N": str(int(time.time()) - 5)}})
        # no call of the survivor's named the namespace: it found it in the store
        wanted = Namespace(DEFAULT_ACCOUNT, "eu-west-1")
        assert wait_for(lambda: wanted in [e.namespace for e in survivor.engine.namespaces()]
                        or None, 10)
        west = survivor.client(region_name="eu-west-1")
        assert wait_for(lambda: item_of(west, name, "old") is None or None, 15)
        assert west.describe_table(TableName=name)["Table"]["ItemCount"] == 0


def test_a_verifier_for_namespaces_accepts_region_names_only():
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from dynalite_py.errors import DynamoError
    from server.auth import Verifier

    def signed_for(region: str) -> AWSRequest:
        request = AWSRequest(method="POST", url="http://localhost:8000/", data=b"{}",
                             headers={"X-Amz-Target": "DynamoDB_20120810.ListTables"})
        SigV4Auth(Credentials("KEY", "SECRET"), "dynamodb", region).add_auth(request)
        return request

    def verify(verifier: Verifier, request: AWSRequest) -> None:
        headers = {**request.headers, "host": "localhost:8000"}  # signed from the URL
        verifier.verify("POST", request.url, headers, request.body)

    verify(Verifier({"KEY": "SECRET"}, any_region=True), signed_for("ap-southeast-3"))
    for verifier, region in ((Verifier({"KEY": "SECRET"}, any_region=True), "moon"),
                             (Verifier({"KEY": "SECRET"}), "ap-southeast-3")):
        with pytest.raises(DynamoError) as info:
            verify(verifier, signed_for(region))
        assert info.value.message == \
            f"Credential should be scoped to a valid region, not '{region}'."


def test_on_failure_records_of_another_region_reach_its_destination(tmp_path):
    destination = f"arn:aws:sqs:eu-west-1:{DEFAULT_ACCOUNT}:dlq"
    with open_db(str(tmp_path / "data"), table_status_delay=0.0, bridge_poll_interval=0.01,
                 bridge_retry_base=0.01) as db:
        west, west_lambda = db.client(region_name="eu-west-1"), db.client(
            "lambda", region_name="eu-west-1")
        name = create_table(west, **STREAMED)
        stream_arn = west.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        function = create_function(west_lambda, "def handler(event, context):\n"
                                                "    raise RuntimeError('no')\n")
        failures: list[dict] = []
        db.on_failure(destination, failures.append)
        west_lambda.create_event_source_mapping(
            EventSourceArn=stream_arn, FunctionName=function, StartingPosition="TRIM_HORIZON",
            MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": destination}})
        west.put_item(TableName=name, Item={"pk": {"S": "a"}})
        wait_for(lambda: failures, 20)
        assert failures[0]["DDBStreamBatchInfo"]["streamArn"] == stream_arn
        assert db.failures(destination) == failures

"""GET /metrics: CloudWatch's metrics in Prometheus's text format, counted
exactly, read back with prometheus_client's own parser from a real server
driven by boto3 (tables and items, throttling, a Lambda trigger, functions
invoked, throttled and failing, an SQS queue), and the route's rules: the
Host allow-list, signatures under --auth, one answer for all workers."""
from __future__ import annotations

import json
from contextlib import contextmanager

import httpx
import pytest
import support
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families
from support import (
    create_function,
    create_table,
    http_client,
    start_server,
    throttled_server,
    unique_name,
    wait_for,
)

Samples = dict[tuple[str, frozenset], float]


def scrape(url: str, headers: dict | None = None) -> Samples:
    """Every sample of one scrape, by (sample name, labels)."""
    answer = httpx.get(url + "/metrics", headers=headers or {}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


@contextmanager
def server(tmp_path, *extra: str, env: dict | None = None):
    process, url = start_server(str(tmp_path / "data"), *extra, env=env)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


def consumed(response: dict) -> float:
    return response["ConsumedCapacity"]["CapacityUnits"]


def test_table_requests_are_counted_by_table_and_operation(tmp_path):
    with server(tmp_path, "--workers", "1") as url:
        client = http_client(url)
        table = create_table(client)
        written = read = 0.0
        for key in ("a", "b", "c"):
            written += consumed(client.put_item(TableName=table, Item={"pk": {"S": key}},
                                                ReturnConsumedCapacity="TOTAL"))
        for _ in range(2):
            read += consumed(client.get_item(TableName=table, Key={"pk": {"S": "a"}},
                                             ReturnConsumedCapacity="TOTAL"))
        scanned = client.scan(TableName=table, ReturnConsumedCapacity="TOTAL")
        read += consumed(scanned)
        with pytest.raises(ClientError):  # a failed condition is charged a write
            client.put_item(TableName=table, Item={"pk": {"S": "a"}},
                            ConditionExpression="attribute_not_exists(pk)")
        with pytest.raises(ClientError):
            client.get_item(TableName="missing-table", Key={"pk": {"S": "a"}})
        with pytest.raises(ClientError):
            client.get_item(TableName=table, Key={"nope": {"S": "a"}})
        samples = scrape(url)
    assert scanned["Count"] == 3
    assert value(samples, "SuccessfulRequestLatency_count", TableName=table,
                 Operation="PutItem") == 3
    assert value(samples, "SuccessfulRequestLatency_count", TableName=table,
                 Operation="GetItem") == 2
    assert value(samples, "SuccessfulRequestLatency_sum", TableName=table,
                 Operation="GetItem") > 0
    assert value(samples, "SuccessfulRequestLatency_bucket", TableName=table,
                 Operation="GetItem", le="+Inf") == 2
    assert value(samples, "ReturnedItemCount_total", TableName=table, Operation="Scan") == 3
    assert value(samples, "ReturnedItemCount_total", TableName=table, Operation="GetItem") is None
    assert value(samples, "ConditionalCheckFailedRequests_total", TableName=table,
                 Operation="PutItem") == 1
    assert value(samples, "UserErrors_total", TableName=table, Operation="PutItem") is None
    assert value(samples, "UserErrors_total", TableName="missing-table", Operation="GetItem") == 1
    assert value(samples, "UserErrors_total", TableName=table, Operation="GetItem") == 1
    assert value(samples, "ConsumedWriteCapacityUnits_total", TableName=table) == written + 1
    assert value(samples, "ConsumedReadCapacityUnits_total", TableName=table) == read
    assert value(samples, "SystemErrors_total", TableName=table, Operation="GetItem") is None


def test_throttled_requests_are_counted_apart_from_user_errors(tmp_path):
    with throttled_server(str(tmp_path / "data")) as url:
        client = http_client(url)
        passed = 0
        while True:
            try:
                client.put_item(TableName="limited", Item={"pk": {"S": f"k{passed}"}})
            except ClientError as error:
                assert error.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
                break
            passed += 1
        samples = scrape(url)
    assert value(samples, "ThrottledRequests_total", TableName="limited", Operation="PutItem") == 1
    assert value(samples, "UserErrors_total", TableName="limited", Operation="PutItem") is None
    assert value(samples, "SuccessfulRequestLatency_count", TableName="limited",
                 Operation="PutItem") == passed
    assert value(samples, "ConsumedWriteCapacityUnits_total", TableName="limited") == passed


HANDLER = '''
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"records": len(event.get("Records", []))}
'''


def test_functions_and_a_trigger_are_counted(tmp_path):
    with server(tmp_path, "--workers", "1") as url:
        client, functions = http_client(url), http_client(url, "lambda")
        name = create_function(functions, HANDLER)
        table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                          "StreamViewType": "KEYS_ONLY"})
        stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        functions.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=name,
                                              StartingPosition="TRIM_HORIZON", BatchSize=10)
        client.put_item(TableName=table, Item={"pk": {"S": "one"}})
        wait_for(lambda: value(scrape(url), "Invocations_total", FunctionName=name) == 1, 30)
        functions.invoke(FunctionName=name, Payload=json.dumps({}))
        failed = functions.invoke(FunctionName=name, Payload=json.dumps({"fail": True}))
        assert failed["FunctionError"] == "Unhandled"
        functions.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        with pytest.raises(ClientError) as refused:
            functions.invoke(FunctionName=name, Payload=json.dumps({}))
        assert refused.value.response["Error"]["Code"] == "TooManyRequestsException"
        samples = scrape(url)
    assert value(samples, "Invocations_total", FunctionName=name) == 3
    assert value(samples, "Errors_total", FunctionName=name) == 1
    assert value(samples, "Throttles_total", FunctionName=name) == 1
    assert value(samples, "Duration_count", FunctionName=name) == 3
    assert value(samples, "Duration_sum", FunctionName=name) > 0
    assert value(samples, "ConcurrentExecutions", FunctionName=name) == 0
    age = value(samples, "IteratorAge", StreamArn=stream_arn, FunctionName=name)
    assert age is not None and 0 <= age < 30_000
    # Lambda's own calls are not counted as DynamoDB requests
    assert not [key for key in samples if dict(key[1]).get("Operation") == "Invoke"]


def test_queue_depth_is_read_at_each_scrape(tmp_path):
    with server(tmp_path, "--workers", "1") as url:
        sqs = http_client(url, "sqs")
        name = unique_name("q")
        queue = sqs.create_queue(QueueName=name)["QueueUrl"]
        empty = sqs.create_queue(QueueName=unique_name("empty"))["QueueUrl"]
        for body in ("a", "b", "c"):
            sqs.send_message(QueueUrl=queue, MessageBody=body)
        assert value(scrape(url), "ApproximateNumberOfMessagesVisible", QueueName=name) == 3
        assert len(sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"]) == 1
        samples = scrape(url)
        assert value(samples, "ApproximateNumberOfMessagesVisible", QueueName=name) == 2
        assert value(samples, "ApproximateNumberOfMessagesVisible",
                     QueueName=empty.rsplit("/", 1)[-1]) == 0
        sqs.delete_queue(QueueUrl=queue)
        assert value(scrape(url), "ApproximateNumberOfMessagesVisible", QueueName=name) is None


def test_embedded_engines_keep_their_own_metrics(tmp_path):
    with support.open_db(str(tmp_path / "one"), table_status_delay=0.0) as one, \
            support.open_db(str(tmp_path / "two"), table_status_delay=0.0) as two:
        for db in (one, two):
            db.client().create_table(
                TableName="shared-name", BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        one.client().put_item(TableName="shared-name", Item={"pk": {"S": "x"}})
        text = {db: db.engine.metrics.exposition().decode() for db in (one, two)}
    labels = 'Operation="PutItem",TableName="shared-name"'
    assert f"SuccessfulRequestLatency_count{{{labels}}} 1.0" in text[one]
    assert labels not in text[two]


def test_the_route_keeps_the_host_allow_list(tmp_path):
    with server(tmp_path, "--workers", "1") as url:
        assert httpx.get(url + "/metrics", headers={"Host": "rebound.example"}).status_code == 403
        assert httpx.post(url + "/metrics").status_code != 200


def signed_get(url: str, key: str, secret: str) -> dict:
    request = AWSRequest("GET", url + "/metrics")
    SigV4Auth(Credentials(key, secret), "dynamodb", "us-east-1").add_auth(request)
    return dict(request.headers)


def test_under_auth_a_scrape_must_be_signed(tmp_path):
    with support.signed_server(tmp_path, "scraper", "s3cret") as url:
        unsigned = httpx.get(url + "/metrics")
        assert unsigned.status_code == 400
        assert unsigned.json()["__type"].endswith("MissingAuthenticationTokenException")
        assert httpx.get(url + "/metrics",
                         headers=signed_get(url, "scraper", "wrong")).status_code == 400
        assert scrape(url, signed_get(url, "scraper", "s3cret")) is not None
        # a presigned URL: what a scraper that cannot sign puts in its configuration
        request = AWSRequest("GET", url + "/metrics")
        SigV4QueryAuth(Credentials("scraper", "s3cret"), "dynamodb", "us-east-1",
                       expires=3600).add_auth(request)
        presigned = httpx.get(request.url, headers={"Host": request.headers.get("host") or
                                                    url.removeprefix("http://")})
        assert presigned.status_code == 200
        assert "# TYPE ApproximateNumberOfMessagesVisible gauge" in presigned.text


@pytest.mark.skipif(support.BACKEND == "memory", reason="--in-memory is one process")
def test_every_worker_answers_a_scrape_with_every_workers_sums(tmp_path):
    shared = tmp_path / "prometheus"  # the operator's directory is used as given
    shared.mkdir()
    with server(tmp_path, "--workers", "2", env={"PROMETHEUS_MULTIPROC_DIR": str(shared)}) as url:
        wait_for(lambda: support.listeners(url) == 2, 30)
        table = create_table(http_client(url))
        for key in range(20):  # a client of its own each: connections spread over workers
            http_client(url).put_item(TableName=table, Item={"pk": {"S": str(key)}})
        # both workers counted requests: each keeps its numbers in files of its own
        wait_for(lambda: len({path.stem.rsplit("_", 1)[1]
                              for path in shared.glob("histogram_*.db")}) == 2)
        for _ in range(6):  # each scrape on a connection of its own
            samples = scrape(url)
            assert value(samples, "SuccessfulRequestLatency_count", TableName=table,
                         Operation="PutItem") == 20
            assert value(samples, "ConsumedWriteCapacityUnits_total", TableName=table) == 20


def test_a_table_name_that_is_no_string_is_labelled_as_none(tmp_path):
    with support.open_db(str(tmp_path / "db"), table_status_delay=0.0) as db:
        listed = db.engine.call("ListTables", {"TableName": {"S": "ignored"}})
        with pytest.raises(Exception):
            db.engine.call("GetItem", {"TableName": ["not", "a", "name"], "Key": {}})
        text = db.engine.metrics.exposition().decode()
    assert listed == {"TableNames": []}
    assert 'SuccessfulRequestLatency_count{Operation="ListTables",TableName=""} 1.0' in text
    assert 'UserErrors_total{Operation="GetItem",TableName=""} 1.0' in text


def test_latencies_past_a_batch_are_all_counted_in_ordered_buckets(embedded_db):
    """Latencies are counted into buckets a batch at a time (metrics.py
    FOLD_BATCH); a scrape counts the ones still pending: the count, the
    +Inf bucket and the sum agree with the calls made, buckets only grow."""
    from dynalite_py.metrics import FOLD_BATCH
    client = embedded_db.client()
    table = create_table(client)
    calls = FOLD_BATCH + 37
    for number in range(calls):
        client.get_item(TableName=table, Key={"pk": {"S": f"k{number}"}})
    text = embedded_db.engine.metrics.exposition().decode()
    samples = {(sample.name, frozenset(sample.labels.items())): sample.value
               for family in text_string_to_metric_families(text) for sample in family.samples}
    labels = {"TableName": table, "Operation": "GetItem"}
    assert value(samples, "SuccessfulRequestLatency_count", **labels) == calls
    buckets = sorted((float(dict(key)["le"]), count) for (name, key), count in samples.items()
                     if name == "SuccessfulRequestLatency_bucket"
                     and dict(key).items() >= labels.items())
    counts = [count for _, count in buckets]
    assert counts == sorted(counts) and counts[-1] == calls and buckets[-1][0] == float("inf")
    assert 0 < value(samples, "SuccessfulRequestLatency_sum", **labels) < calls * 1000

"""An SQS queue as an event source mapping, with boto3's lambda, sqs and
dynamodb clients over HTTP and embedded: batches, the batching window,
ReportBatchItemFailures, redrive of failing messages, filters, and the
loop stream -> Lambda -> SQS -> Lambda."""
from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError
from support import NO_RETRIES, create_table, http_client, open_db, unique_name, wait_for, zipped

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
# every event is appended to $OUT; a message whose body is "bad" is reported failed
HANDLER = '''
import json, os
def lambda_handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps(event) + "\\n")
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                  for r in event["Records"] if r["body"] == "bad"]}
'''
FAST = {"bridge_poll_interval": 0.02, "bridge_retry_base": 0.01, "table_status_delay": 0.0}


@pytest.fixture(scope="module")
def fast_db(tmp_path_factory):
    db = open_db(str(tmp_path_factory.mktemp("sqs-source")), **FAST)
    yield db
    db.close()


@pytest.fixture(params=["http", "embedded"])
def clients(request, server_url, fast_db):
    """(lambda, sqs, dynamodb) clients on one transport."""
    if request.param == "http":
        return tuple(http_client(server_url, service) for service in ("lambda", "sqs", "dynamodb"))
    return tuple(fast_db.client(service, config=NO_RETRIES)
                 for service in ("lambda", "sqs", "dynamodb"))


def queue(sqs, **attributes) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=unique_name("src"),
                           Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    return url, arn


def function(lam, out) -> str:
    name = unique_name("consumer")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                        Handler="lambda_function.lambda_handler",
                        Code={"ZipFile": zipped(HANDLER)},
                        Environment={"Variables": {"OUT": str(out)}})
    return name


def events(out) -> list[dict]:
    try:
        return [json.loads(line) for line in out.read_text().splitlines()]
    except FileNotFoundError:
        return []


def bodies(out) -> list[str]:
    return [record["body"] for event in events(out) for record in event["Records"]]


def counts(sqs, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]))


def test_messages_reach_the_function_in_batches_and_are_deleted(clients, tmp_path):
    lam, sqs, _ = clients
    out = tmp_path / "events.jsonl"
    url, arn = queue(sqs)
    name = function(lam, out)
    mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name,
                                              BatchSize=4)
    assert mapping["BatchSize"] == 4 and mapping["MaximumBatchingWindowInSeconds"] == 0
    assert "StartingPosition" not in mapping and "MaximumRetryAttempts" not in mapping
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": f"m{i}",
         "MessageAttributes": {"n": {"DataType": "Number", "StringValue": str(i)}}}
        for i in range(10)])
    wait_for(lambda: len(bodies(out)) >= 10)
    assert sorted(bodies(out)) == sorted(f"m{i}" for i in range(10))
    assert all(len(event["Records"]) <= 4 for event in events(out))
    record = events(out)[0]["Records"][0]
    assert set(record) == {"messageId", "receiptHandle", "body", "attributes",
                           "messageAttributes", "md5OfBody", "eventSource", "eventSourceARN",
                           "awsRegion"}
    assert (record["eventSource"], record["eventSourceARN"]) == ("aws:sqs", arn)
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["n"]["dataType"] == "Number"
    assert record["messageAttributes"]["n"]["stringListValues"] == []
    wait_for(lambda: counts(sqs, url) == (0, 0))
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["LastProcessingResult"] == "OK"


def test_reported_failures_return_and_redrive_to_the_dead_letter_queue(clients, tmp_path):
    lam, sqs, _ = clients
    out = tmp_path / "events.jsonl"
    dead_url, dead_arn = queue(sqs)
    url, arn = queue(sqs, VisibilityTimeout=1, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": dead_arn, "maxReceiveCount": 2}))
    name = function(lam, out)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=10,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "good"}, {"Id": "b", "MessageBody": "bad"}])
    moved = wait_for(lambda: sqs.receive_message(QueueUrl=dead_url).get("Messages"), 20)
    assert moved[0]["Body"] == "bad"
    assert bodies(out).count("good") == 1  # deleted after its first success
    assert bodies(out).count("bad") == 2  # received maxReceiveCount times, then moved


def test_batching_window_gathers_a_batch(clients, tmp_path):
    lam, sqs, _ = clients
    out = tmp_path / "events.jsonl"
    url, arn = queue(sqs)
    name = function(lam, out)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=20,
                                    MaximumBatchingWindowInSeconds=2)
    for index in range(12):
        sqs.send_message(QueueUrl=url, MessageBody=str(index))
    wait_for(lambda: len(bodies(out)) >= 12)
    assert max(len(event["Records"]) for event in events(out)) > 10  # more than one receive


def test_filters_drop_messages_unseen(clients, tmp_path):
    lam, sqs, _ = clients
    out = tmp_path / "events.jsonl"
    url, arn = queue(sqs)
    name = function(lam, out)
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=name,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["keep"]}})}]})
    for kind in ("drop", "keep", "drop"):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": kind}))
    wait_for(lambda: counts(sqs, url) == (0, 0))
    assert [json.loads(body)["kind"] for body in bodies(out)] == ["keep"]


@pytest.mark.parametrize("settings, message", [
    ({"StartingPosition": "LATEST"},
     "Unsupported StartingPosition parameter for given event source mapping type: SQS"),
    ({"MaximumRetryAttempts": 1},
     "Unsupported MaximumRetryAttempts parameter for given event source mapping type: SQS"),
    ({"BatchSize": 11}, "Maximum batch window in seconds must be greater than 0 if maximum "
                        "batch size is greater than 10"),
])
def test_queue_mapping_rules(clients, tmp_path, settings, message):
    lam, sqs, _ = clients
    _, arn = queue(sqs)
    name = function(lam, tmp_path / "events.jsonl")
    with pytest.raises(ClientError) as info:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, **settings)
    error = info.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("InvalidParameterValueException", message)


def test_a_missing_queue_is_refused(clients, tmp_path):
    lam, _, _ = clients
    name = function(lam, tmp_path / "events.jsonl")
    arn = f"arn:aws:sqs:us-east-1:000000000000:{unique_name('none')}"
    with pytest.raises(ClientError) as info:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name)
    assert info.value.response["Error"]["Message"] == f"Queue not found: {arn}"


def test_stream_to_lambda_to_sqs_to_lambda(tmp_path):
    with open_db(str(tmp_path / "data"), **FAST) as db:
        dynamodb, lam, sqs = (db.client(service) for service in ("dynamodb", "lambda", "sqs"))
        url = sqs.create_queue(QueueName="orders")["QueueUrl"]
        arn = "arn:aws:sqs:us-east-1:000000000000:orders"
        table = create_table(dynamodb, StreamSpecification={"StreamEnabled": True,
                                                            "StreamViewType": "NEW_IMAGE"})
        stream = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        shipped: list[str] = []

        def on_change(event, context):  # stream -> SQS
            for record in event["Records"]:
                sqs.send_message(QueueUrl=url, MessageBody=json.dumps(
                    record["dynamodb"]["NewImage"]["pk"]["S"]))

        def on_message(event, context):  # SQS -> the last function
            shipped.extend(json.loads(record["body"]) for record in event["Records"])

        db.register_function("on-change", on_change)
        db.register_function("on-message", on_message)
        lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="on-change",
                                        StartingPosition="TRIM_HORIZON")
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="on-message")
        started = time.monotonic()
        for key in ("a", "b", "c"):
            dynamodb.put_item(TableName=table, Item={"pk": {"S": key}})
        wait_for(lambda: len(shipped) >= 3)
        assert sorted(shipped) == ["a", "b", "c"]
        assert time.monotonic() - started < 10
        wait_for(lambda: counts(sqs, url) == (0, 0))

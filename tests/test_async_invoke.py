"""Asynchronous Lambda invocation end to end, with boto3's lambda, sqs and
dynamodb clients over HTTP and embedded: the event queue, AWS's retries,
event invoke configs, destinations (SQS queues served here, other
functions) with AWS's invocation record, dead-letter queues, restarts, and
a stream mapping's on-failure queue."""
from __future__ import annotations

import json
import time

import boto3
import httpx
import pytest
import support
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from support import NO_RETRIES, create_table, open_db, start_server, unique_name, wait_for, zipped

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
# every call is appended to $OUT; an event with "fail" raises
HANDLER = '''
import json, os
def lambda_handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps({"event": event, "request": context.aws_request_id}) + "\\n")
    if isinstance(event, dict) and event.get("fail"):
        raise ValueError("asked to fail")
    return {"echo": event}
'''
ALWAYS_FAILS = '''
import os
def lambda_handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write("{}\\n")
    raise RuntimeError("never handled")
'''
FAST = {"async_retry_scale": 0.01, "bridge_poll_interval": 0.02, "bridge_retry_base": 0.01,
        "table_status_delay": 0.0}


@pytest.fixture(scope="module")
def fast_server(tmp_path_factory):
    env = {f"DYNALITE_{key.upper()}": str(value) for key, value in FAST.items()}
    process, url = start_server(str(tmp_path_factory.mktemp("async-server")), env=env)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def fast_db(tmp_path_factory):
    db = open_db(str(tmp_path_factory.mktemp("async-embedded")), **FAST)
    yield db
    db.close()


UNCHECKED = BotoConfig(retries={"total_max_attempts": 1}, parameter_validation=False)


class Clients:
    def __init__(self, make, failures) -> None:
        self.lam, self.sqs, self.dynamodb = (make(service, NO_RETRIES) for service in
                                             ("lambda", "sqs", "dynamodb"))
        self.unchecked_lam = make("lambda", UNCHECKED)  # boto3's own checks off
        self.failures = failures  # destination ARN -> its on-failure records


@pytest.fixture(params=["http", "embedded"])
def clients(request, fast_server, fast_db) -> Clients:
    if request.param == "http":
        return Clients(lambda service, config: boto3.client(
            service, endpoint_url=fast_server, region_name="us-east-1", aws_access_key_id="any",
            aws_secret_access_key="any", config=config), lambda arn: httpx.get(
            f"{fast_server}/_dynalite/failures/{arn}", headers=support.SIGNED_HEADERS).json())
    return Clients(lambda service, config: fast_db.client(service, config=config),
                   fast_db.failures)


def new_function(clients: Clients, out, code: str = HANDLER, **extra) -> str:
    name = unique_name("fn")
    clients.lam.create_function(
        FunctionName=name, Runtime="python3.11", Role=ROLE,
        Handler="lambda_function.lambda_handler", Code={"ZipFile": zipped(code)},
        Timeout=5, Environment={"Variables": {"OUT": str(out)}}, **extra)
    return name


def new_queue(clients: Clients) -> tuple[str, str]:
    url = clients.sqs.create_queue(QueueName=unique_name("q"))["QueueUrl"]
    arn = clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    return url, arn


def one_message(clients: Clients, url: str, **kwargs) -> dict:
    messages = clients.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20, **kwargs).get(
        "Messages", [])
    assert messages, "nothing arrived"
    return messages[0]


def calls(out) -> list[dict]:
    try:
        return [json.loads(line) for line in out.read_text().splitlines()]
    except FileNotFoundError:
        return []


def invoke_event(clients: Clients, name: str, payload: dict) -> dict:
    response = clients.lam.invoke(FunctionName=name, InvocationType="Event",
                                  Payload=json.dumps(payload))
    assert response["StatusCode"] == 202
    return response


def test_a_failing_function_lands_in_its_on_failure_queue_after_its_retries(clients, tmp_path):
    out = tmp_path / "calls.jsonl"
    dead_url, dead_arn = new_queue(clients)
    name = new_function(clients, out, DeadLetterConfig={"TargetArn": dead_arn})
    failed_url, failed_arn = new_queue(clients)
    clients.lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": failed_arn}})
    started = time.monotonic()
    invoke_event(clients, name, {"fail": True, "n": 1})
    record = json.loads(one_message(clients, failed_url)["Body"])
    assert time.monotonic() - started >= (60 + 120) * 0.01  # AWS's 1 and 2 minutes, scaled
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload",
                            "responseContext", "responsePayload"]
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    context = record["requestContext"]
    assert context["functionArn"] == \
        f"arn:aws:lambda:us-east-1:000000000000:function:{name}:$LATEST"
    assert (context["condition"], context["approximateInvokeCount"]) == ("RetriesExhausted", 3)
    assert record["requestPayload"] == {"fail": True, "n": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                         "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "ValueError"
    assert record["responsePayload"]["errorMessage"] == "asked to fail"
    assert len(calls(out)) == 3
    dead = one_message(clients, dead_url, MessageAttributeNames=["All"])
    assert json.loads(dead["Body"]) == {"fail": True, "n": 1}
    attributes = dead["MessageAttributes"]
    assert attributes["RequestID"] == {"DataType": "String",
                                       "StringValue": context["requestId"]}
    assert attributes["ErrorCode"] == {"DataType": "Number", "StringValue": "200"}
    assert attributes["ErrorMessage"]["StringValue"] == "asked to fail"


def test_a_successful_invocation_goes_to_on_success(clients, tmp_path):
    out = tmp_path / "calls.jsonl"
    name = new_function(clients, out)
    ok_url, ok_arn = new_queue(clients)
    clients.lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": ok_arn}})
    invoke_event(clients, name, {"n": 2})
    record = json.loads(one_message(clients, ok_url)["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"echo": {"n": 2}}
    assert record["requestPayload"] == {"n": 2}


def test_maximum_retry_attempts_zero_and_a_function_destination(clients, tmp_path):
    out, destination_out = tmp_path / "calls.jsonl", tmp_path / "destination.jsonl"
    name = new_function(clients, out)
    receiver = new_function(clients, destination_out)
    receiver_arn = clients.lam.get_function(FunctionName=receiver)["Configuration"]["FunctionArn"]
    clients.lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": receiver_arn}})
    invoke_event(clients, name, {"fail": True})
    [delivered] = wait_for(lambda: calls(destination_out))
    record = delivered["event"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"fail": True}
    time.sleep(0.3)
    assert len(calls(out)) == 1  # no retry


def test_event_invoke_config_operations(clients, tmp_path):
    lam = clients.lam
    name = new_function(clients, tmp_path / "calls.jsonl")
    _, queue_arn = new_queue(clients)
    arn = f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as info:
        lam.get_function_event_invoke_config(FunctionName=name)
    assert info.value.response["Error"]["Message"] == \
        f"The function {arn}:$LATEST doesn't have an EventInvokeConfig"
    put = lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=600,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    assert put["FunctionArn"] == f"{arn}:$LATEST"
    assert (put["MaximumRetryAttempts"], put["MaximumEventAgeInSeconds"]) == (1, 600)
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": queue_arn}}
    got = lam.get_function_event_invoke_config(FunctionName=name)
    assert {k: got[k] for k in ("FunctionArn", "MaximumRetryAttempts", "DestinationConfig")} == \
        {k: put[k] for k in ("FunctionArn", "MaximumRetryAttempts", "DestinationConfig")}
    updated = lam.update_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": queue_arn}})
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (0, 600)
    assert updated["DestinationConfig"] == {"OnSuccess": {"Destination": queue_arn},
                                            "OnFailure": {"Destination": queue_arn}}
    replaced = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2)
    assert "MaximumEventAgeInSeconds" not in replaced  # Put replaces every setting
    assert replaced["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    lam.put_function_event_invoke_config(FunctionName=f"{name}:live", MaximumRetryAttempts=1)
    listed = lam.list_function_event_invoke_configs(FunctionName=name)[
        "FunctionEventInvokeConfigs"]
    assert sorted(c["FunctionArn"] for c in listed) == [f"{arn}:$LATEST", f"{arn}:live"]
    first = lam.list_function_event_invoke_configs(FunctionName=name, MaxItems=1)
    assert len(first["FunctionEventInvokeConfigs"]) == 1 and first["NextMarker"]
    lam.delete_function_event_invoke_config(FunctionName=name, Qualifier="live")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=name, Qualifier="live")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_function_event_invoke_config(FunctionName=name, Qualifier="live")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.put_function_event_invoke_config(FunctionName=unique_name("none"),
                                             MaximumRetryAttempts=1)


@pytest.mark.parametrize("settings, code", [
    ({"MaximumRetryAttempts": 3}, "ValidationException"),
    ({"MaximumEventAgeInSeconds": 59}, "ValidationException"),
    ({"MaximumEventAgeInSeconds": 21601}, "ValidationException"),
    ({"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:s3:::bucket"}}},
     "InvalidParameterValueException"),
])
def test_event_invoke_config_limits(clients, tmp_path, settings, code):
    name = new_function(clients, tmp_path / "calls.jsonl")
    with pytest.raises(ClientError) as info:
        clients.unchecked_lam.put_function_event_invoke_config(FunctionName=name, **settings)
    assert info.value.response["Error"]["Code"] == code


def test_dead_letter_config_is_kept_and_changed(clients, tmp_path):
    _, first = new_queue(clients)
    _, second = new_queue(clients)
    name = new_function(clients, tmp_path / "calls.jsonl", DeadLetterConfig={"TargetArn": first})
    assert clients.lam.get_function_configuration(FunctionName=name)["DeadLetterConfig"] == \
        {"TargetArn": first}
    clients.lam.update_function_configuration(FunctionName=name,
                                              DeadLetterConfig={"TargetArn": second})
    assert clients.lam.get_function(FunctionName=name)["Configuration"]["DeadLetterConfig"] == \
        {"TargetArn": second}


def test_throttled_events_wait_without_using_attempts(clients, tmp_path):
    out = tmp_path / "calls.jsonl"
    name = new_function(clients, out)
    ok_url, ok_arn = new_queue(clients)
    clients.lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": ok_arn}})
    clients.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    invoke_event(clients, name, {"n": 3})
    time.sleep(0.5)
    assert calls(out) == []  # throttled: kept, retried
    clients.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    record = json.loads(one_message(clients, ok_url)["Body"])
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert len(calls(out)) == 1


def test_a_stream_mappings_on_failure_queue_receives_the_batch_description(clients, tmp_path):
    out = tmp_path / "calls.jsonl"
    table = create_table(clients.dynamodb, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    stream_arn = clients.dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    name = new_function(clients, out, ALWAYS_FAILS)
    queue_url, queue_arn = new_queue(clients)
    clients.lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="TRIM_HORIZON",
        MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    clients.dynamodb.put_item(TableName=table, Item={"pk": {"S": "x"}})
    record = json.loads(one_message(clients, queue_url)["Body"])
    assert len(calls(out)) == 1  # no retry
    info = record["DDBStreamBatchInfo"]
    assert info["streamArn"] == stream_arn and info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert clients.failures(queue_arn) == [record]  # /_dynalite/failures keeps it too


def test_events_survive_a_restart(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing after close")
    ran: list = []

    def handler(event, context):
        ran.append(event["n"])

    with open_db(str(tmp_path / "data"), **FAST) as db:
        db.register_function("durable", handler)
        lam = db.client("lambda")
        lam.put_function_concurrency(FunctionName="durable", ReservedConcurrentExecutions=0)
        for n in range(3):
            lam.invoke(FunctionName="durable", InvocationType="Event",
                       Payload=json.dumps({"n": n}))
        time.sleep(0.3)
        assert ran == []  # throttled: queued
    with open_db(str(tmp_path / "data"), **FAST) as db:
        db.register_function("durable", handler)  # runnable again, in this process
        wait_for(lambda: len(ran) == 3)
        time.sleep(0.3)
        assert sorted(ran) == [0, 1, 2]  # each once


def test_an_event_past_its_maximum_age_goes_to_on_failure_unrun(tmp_path):
    with open_db(str(tmp_path / "data"), **FAST) as db:
        lam, sqs = db.client("lambda"), db.client("sqs")
        tries: list = []

        def handler(event, context):
            tries.append(event)
            raise RuntimeError("always")

        db.register_function("aging", handler)
        url = sqs.create_queue(QueueName="aged")["QueueUrl"]
        arn = "arn:aws:sqs:us-east-1:000000000000:aged"
        lam.put_function_event_invoke_config(
            FunctionName="aging", MaximumEventAgeInSeconds=60,
            DestinationConfig={"OnFailure": {"Destination": arn}})
        lam.invoke(FunctionName="aging", InvocationType="Event", Payload=b'{"old": 1}')
        wait_for(lambda: tries)
        db.engine.clock = lambda: time.time() + 120  # the retry finds it too old
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
        record = json.loads(messages[0]["Body"])
        assert record["requestContext"]["condition"] == "EventAgeExceeded"
        assert record["requestContext"]["approximateInvokeCount"] == 1
        assert "responseContext" not in record
        assert len(tries) == 1


def test_one_runner_holds_the_events_and_another_takes_over(tmp_path):
    """Two asynchronous invocation jobs on one store (as two servers' would
    be): one runs the events, each once; when it stops the other takes over."""
    from dynalite_py.config import Config
    from dynalite_py.engine import Engine
    from dynalite_py.jobs.async_invoke import AsyncInvoker
    from dynalite_py.lambda_.functions.functions import new_record
    location = ":memory:" if support.BACKEND == "memory" else \
        support.store_location(str(tmp_path / "data"))
    engine = Engine(location, Config.from_env(**FAST), background=False)
    ran: list[int] = []
    first, second = AsyncInvoker(engine), AsyncInvoker(engine)
    try:
        engine.functions.callables["shared"] = lambda event, context: ran.append(event["n"])
        record = new_record(engine.functions, {"FunctionName": "shared"},
                            {"code_dir": None, "callable": True, "Handler": "embedded.callable"})
        engine.store.write(lambda ctx: engine.functions.put(ctx, record))
        first.start()
        second.start()
        for n in range(10):
            engine.call("Invoke", {"FunctionName": "shared", "InvocationType": "Event",
                                   "Payload": json.dumps({"n": n}).encode()}, "lambda")
        wait_for(lambda: len(ran) >= 10)
        holder = engine.store.lease_holder("async-invoke", time.time())
        assert holder in (first.lease.owner, second.lease.owner)
        runner, other = (first, second) if holder == first.lease.owner else (second, first)
        runner.stop()  # gives the lease up
        for n in range(10, 15):
            engine.call("Invoke", {"FunctionName": "shared", "InvocationType": "Event",
                                   "Payload": json.dumps({"n": n}).encode()}, "lambda")
        wait_for(lambda: len(ran) >= 15)
        time.sleep(0.3)
        assert sorted(ran) == list(range(15))  # each once
        assert engine.store.lease_holder("async-invoke", time.time()) == other.lease.owner
    finally:
        first.stop()
        second.stop()
        engine.close()

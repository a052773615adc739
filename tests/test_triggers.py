"""The trigger bridge and the Lambda API, end to end over HTTP and embedded."""
from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError
from support import (
    NO_RETRIES,
    create_table,
    http_client,
    open_db,
    unique_name,
    wait_for,
    zipped,
)

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
RECORDER = '''
import json, os
def lambda_handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps({"event": event, "request": context.aws_request_id,
                              "function": context.function_name,
                              "remaining": context.get_remaining_time_in_millis()}) + "\\n")
    return {"seen": len(event.get("Records", []))}
'''


@pytest.fixture
def lambda_client(client, server_url, embedded_db):
    if client.meta.endpoint_url == server_url:
        return http_client(server_url, "lambda")
    return embedded_db.client("lambda", config=NO_RETRIES)


def read_lines(path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text().splitlines()]
    except FileNotFoundError:
        return []


def test_function_lifecycle_and_invoke(lambda_client, tmp_path):
    name = unique_name("fn")
    out = tmp_path / "out.jsonl"
    created = lambda_client.create_function(
        FunctionName=name, Runtime="python3.11", Role=ROLE,
        Handler="lambda_function.lambda_handler", Code={"ZipFile": zipped(RECORDER)},
        Timeout=5, Environment={"Variables": {"OUT": str(out)}})
    assert created["FunctionName"] == name and created["State"] == "Active"
    assert lambda_client.get_function(FunctionName=name)["Configuration"]["Timeout"] == 5
    listed = [function["FunctionName"] for page in lambda_client.get_paginator(
        "list_functions").paginate() for function in page["Functions"]]
    assert name in listed  # the session server holds every test's functions: all pages
    response = lambda_client.invoke(FunctionName=name, Payload=json.dumps({"hello": "world"}),
                                    LogType="Tail")
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"seen": 0}
    assert read_lines(out)[0]["event"] == {"hello": "world"}
    assert read_lines(out)[0]["function"] == name
    assert lambda_client.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    assert lambda_client.invoke(FunctionName=name, InvocationType="Event",
                                Payload=b'{"async": true}')["StatusCode"] == 202
    wait_for(lambda: len(read_lines(out)) == 2)
    with pytest.raises(ClientError) as info:
        lambda_client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                      Handler="h.h", Code={"ZipFile": zipped(RECORDER)})
    assert info.value.response["Error"]["Code"] == "ResourceConflictException"
    lambda_client.delete_function(FunctionName=name)
    with pytest.raises(ClientError) as info:
        lambda_client.get_function(FunctionName=name)
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_function_errors_are_reported(lambda_client):
    name = unique_name("boom")
    lambda_client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                  Handler="lambda_function.lambda_handler",
                                  Code={"ZipFile": zipped("def lambda_handler(e, c):\n    raise ValueError('bad input')\n")})
    response = lambda_client.invoke(FunctionName=name, Payload=b"{}")
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "ValueError" and error["errorMessage"] == "bad input"
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as info:
        lambda_client.invoke(FunctionName=name, Payload=b"{}")
    assert info.value.response["Error"]["Code"] == "TooManyRequestsException"


def test_stream_writes_reach_the_handler_through_a_mapping(client, lambda_client, tmp_path):
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "NEW_AND_OLD_IMAGES"})
    stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    out = tmp_path / "events.jsonl"
    name = unique_name("trigger")
    lambda_client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                  Handler="lambda_function.lambda_handler",
                                  Code={"ZipFile": zipped(RECORDER)},
                                  Environment={"Variables": {"OUT": str(out)}})
    mapping = lambda_client.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=name, StartingPosition="TRIM_HORIZON",
        BatchSize=10)
    assert mapping["State"] == "Creating" and mapping["BatchSize"] == 10
    assert mapping["MaximumRetryAttempts"] == -1 and mapping["DestinationConfig"] == {"OnFailure": {}}
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "2"}})
    client.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    records = wait_for(lambda: [r for line in read_lines(out) for r in line["event"]["Records"]]
                       if sum(len(line["event"]["Records"]) for line in read_lines(out)) >= 3 else None)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    first = records[0]
    assert list(first) == ["eventID", "eventName", "eventVersion", "eventSource", "awsRegion",
                           "dynamodb", "eventSourceARN"]
    assert first["eventSourceARN"] == stream_arn
    assert first["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "n": {"N": "1"}}
    described = lambda_client.get_event_source_mapping(UUID=mapping["UUID"])
    assert described["State"] == "Enabled" and described["LastProcessingResult"] == "OK"
    with pytest.raises(ClientError) as info:
        lambda_client.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=name,
                                                  StartingPosition="LATEST")
    assert info.value.response["Error"]["Code"] == "ResourceConflictException"
    assert lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])["State"] == "Deleting"


def test_embedded_callable_trigger_with_retries_and_on_failure(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, bridge_poll_interval=0.01,
                 bridge_retry_base=0.01) as db:
        client = db.client()
        table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                          "StreamViewType": "KEYS_ONLY"})
        stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        calls: list[list[str]] = []

        def handler(event, context):
            keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]]
            calls.append(keys)
            if "poison" in keys:
                raise RuntimeError("cannot handle poison")
            return None

        db.register_function("picky", handler)
        failures: list[dict] = []
        db.on_failure("arn:aws:sqs:us-east-1:000000000000:dlq", failures.append)
        db.client("lambda").create_event_source_mapping(
            EventSourceArn=stream_arn, FunctionName="picky", StartingPosition="TRIM_HORIZON",
            BatchSize=10, MaximumRetryAttempts=2, BisectBatchOnFunctionError=True,
            DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:dlq"}})
        for key in ("a", "b", "poison", "c"):
            client.put_item(TableName=table, Item={"pk": {"S": key}})
        wait_for(lambda: failures)
        wait_for(lambda: any("c" in keys for keys in calls))
        failure = failures[0]
        assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
        assert failure["requestContext"]["approximateInvokeCount"] == 3
        assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
        assert failure["responseContext"]["functionError"] == "Unhandled"
        assert db.failures("arn:aws:sqs:us-east-1:000000000000:dlq") == failures
        delivered = {key for keys in calls for key in keys if key != "poison"}
        assert delivered == {"a", "b", "c"}


def test_partial_batch_failures_and_filters(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, bridge_poll_interval=0.01,
                 bridge_retry_base=0.01) as db:
        client = db.client()
        table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                          "StreamViewType": "NEW_IMAGE"})
        stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        seen: list[str] = []
        failed_once: set[str] = set()

        def handler(event, context):
            failures = []
            for record in event["Records"]:
                key = record["dynamodb"]["Keys"]["pk"]["S"]
                if key == "flaky" and key not in failed_once:
                    failed_once.add(key)
                    failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
                    break
                seen.append(key)
            return {"batchItemFailures": failures}

        db.register_function("partial", handler)
        db.client("lambda").create_event_source_mapping(
            EventSourceArn=stream_arn, FunctionName="partial", StartingPosition="TRIM_HORIZON",
            FunctionResponseTypes=["ReportBatchItemFailures"],
            FilterCriteria={"Filters": [{"Pattern": json.dumps(
                {"dynamodb": {"NewImage": {"kind": {"S": ["keep"]}}}})}]})
        for key, kind in (("one", "keep"), ("skip", "drop"), ("flaky", "keep"), ("two", "keep")):
            client.put_item(TableName=table, Item={"pk": {"S": key}, "kind": {"S": kind}})
        wait_for(lambda: "two" in seen)
        assert seen == ["one", "flaky", "two"]  # filtered record never delivered; retried in order


def test_bad_filter_and_missing_stream(lambda_client, client):
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "KEYS_ONLY"})
    stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    name = unique_name("fn")
    lambda_client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                  Handler="lambda_function.lambda_handler",
                                  Code={"ZipFile": zipped(RECORDER)})
    with pytest.raises(ClientError) as info:
        lambda_client.create_event_source_mapping(
            EventSourceArn=stream_arn, FunctionName=name, StartingPosition="LATEST",
            FilterCriteria={"Filters": [{"Pattern": "{not json"}]})
    assert info.value.response["Error"] == {"Code": "InvalidParameterValueException",
                                            "Message": "Invalid filter pattern definition."}
    missing = stream_arn.replace(table, "no-such-table")
    with pytest.raises(ClientError) as info:
        lambda_client.create_event_source_mapping(EventSourceArn=missing, FunctionName=name,
                                                  StartingPosition="LATEST")
    assert info.value.response["Error"]["Message"] == f"Stream not found: {missing}"


def test_serve_trigger_option(tmp_path):
    from support import start_server
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "audit.py").write_text(
        "import json, os\n"
        "def record(event, context):\n"
        "    with open(os.path.join(os.path.dirname(__file__), 'seen.txt'), 'a') as out:\n"
        "        for r in event['Records']:\n"
        "            out.write(r['dynamodb']['Keys']['pk']['S'] + '\\n')\n")
    process, url = start_server(str(tmp_path / "data"), "--trigger", "audited=audit.record",
                                "--code-dir", str(tmp_path / "code"),
                                env={"DYNALITE_BRIDGE_POLL_INTERVAL": "0.02"})
    try:
        client = http_client(url)
        create_table(client, TableName="audited",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        client.put_item(TableName="audited", Item={"pk": {"S": "first"}})
        seen = tmp_path / "code" / "seen.txt"
        wait_for(lambda: seen.exists() and seen.read_text() == "first\n")
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.lmdb_only("data kept across a restart")
def test_bridge_resumes_after_restart_without_skipping(tmp_path):
    settings = dict(table_status_delay=0.0, bridge_poll_interval=0.01, bridge_retry_base=0.01)
    delivered: list[str] = []

    def handler(event, context):
        delivered.extend(r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"])

    with open_db(str(tmp_path), **settings) as db:
        client = db.client()
        table = create_table(client, TableName="resumed", StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        db.register_function("keeper", handler)
        db.client("lambda").create_event_source_mapping(
            EventSourceArn=client.describe_table(TableName=table)["Table"]["LatestStreamArn"],
            FunctionName="keeper", StartingPosition="TRIM_HORIZON")
        for key in ("a", "b", "c"):
            client.put_item(TableName=table, Item={"pk": {"S": key}})
        wait_for(lambda: len(delivered) == 3)
    with open_db(str(tmp_path), **settings) as db:
        client = db.client()
        for key in ("d", "e"):  # written while no handler is registered here yet
            client.put_item(TableName="resumed", Item={"pk": {"S": key}})
        time.sleep(0.1)
        db.register_function("keeper", handler)  # the mapping and checkpoint survived
        wait_for(lambda: len(delivered) == 5)
        time.sleep(0.1)
    assert delivered == ["a", "b", "c", "d", "e"]  # nothing skipped, nothing twice


def test_tumbling_window_carries_state_and_closes_with_a_final_invoke(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, bridge_poll_interval=0.01) as db:
        client = db.client()
        table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                          "StreamViewType": "NEW_IMAGE"})
        stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        events: list[dict] = []

        def handler(event, context):
            events.append(event)
            total = event["state"].get("total", 0) + sum(
                int(r["dynamodb"]["NewImage"]["n"]["N"]) for r in event["Records"])
            return {"state": {"total": total}}

        db.register_function("windowed", handler)
        db.client("lambda").create_event_source_mapping(
            EventSourceArn=stream_arn, FunctionName="windowed", StartingPosition="TRIM_HORIZON",
            BatchSize=1, TumblingWindowInSeconds=1)
        for number in (1, 2, 3):
            client.put_item(TableName=table, Item={"pk": {"S": f"k{number}"}, "n": {"N": str(number)}})

        def closed_total() -> int:
            return sum(e["state"]["total"] for e in events if e["isFinalInvokeForWindow"])

        # the writes may straddle a window boundary: wait for every window to close
        wait_for(lambda: closed_total() == 6)
        windows = {(e["window"]["start"], e["window"]["end"]) for e in events}
        finals = [e for e in events if e["isFinalInvokeForWindow"]]
        for event in events:
            assert event["shardId"].startswith("shardId-")
            assert event["eventSourceARN"] == stream_arn
            assert event["isWindowTerminatedEarly"] is False
        assert finals[-1]["Records"] == []
        assert len(finals) == len(windows)  # one final invocation per window


def test_parallelization_factor_runs_lanes_concurrently_in_per_key_order(tmp_path):
    import threading
    import time as clock
    with open_db(str(tmp_path), table_status_delay=0.0, bridge_poll_interval=0.01) as db:
        client = db.client()
        table = create_table(client, "S", "N", StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        seen: list[tuple[str, int]] = []
        threads: set[int] = set()

        def handler(event, context):
            threads.add(threading.get_ident())
            clock.sleep(0.02)  # long enough for lanes to overlap
            seen.extend((r["dynamodb"]["Keys"]["pk"]["S"], int(r["dynamodb"]["Keys"]["sk"]["N"]))
                        for r in event["Records"])

        db.register_function("parallel", handler)
        for version in range(3):
            for key in range(8):
                client.put_item(TableName=table, Item={"pk": {"S": f"k{key}"},
                                                       "sk": {"N": str(version)}})
        db.client("lambda").create_event_source_mapping(
            EventSourceArn=stream_arn, FunctionName="parallel", StartingPosition="TRIM_HORIZON",
            BatchSize=2, ParallelizationFactor=4)
        wait_for(lambda: len(seen) >= 24)
        clock.sleep(0.2)
        assert sorted(seen) == sorted((f"k{k}", v) for k in range(8) for v in range(3))
        for key in range(8):  # per partition key, in order, exactly once
            assert [v for k, v in seen if k == f"k{key}"] == [0, 1, 2]
        assert len(threads) > 1


@pytest.mark.parametrize("qualifier, code, message", [
    ("7", "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}:7"),
    ("$LATEST", "InvalidParameterValueException", "$LATEST version cannot be deleted without deleting the function."),
    ("live", "InvalidParameterValueException", "Deletion of aliases is not supported."),
])
def test_delete_function_with_a_qualifier_keeps_the_function(lambda_client, qualifier, code, message):
    """A Qualifier names one version to delete; it once deleted the whole function."""
    name = unique_name("fn")
    lambda_client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                  Handler="lambda_function.lambda_handler",
                                  Code={"ZipFile": zipped(RECORDER)})
    with pytest.raises(ClientError) as refused:
        lambda_client.delete_function(FunctionName=name, Qualifier=qualifier)
    assert refused.value.response["Error"]["Code"] == code
    assert refused.value.response["Error"]["Message"] == message.format(name=name)
    assert lambda_client.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name


@pytest.mark.parametrize("setting, message", [
    ({"Timeout": 901}, "1 validation error detected: Value '901' at 'timeout' failed to satisfy "
                       "constraint: Member must have value less than or equal to 900"),
    ({"MemorySize": 10241}, "1 validation error detected: Value '10241' at 'memorySize' failed to "
                            "satisfy constraint: Member must have value less than or equal to 10240"),
])
def test_timeout_and_memory_beyond_lambdas_limits_are_refused(lambda_client, setting, message):
    name = unique_name("fn")
    with pytest.raises(ClientError) as refused:
        lambda_client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                      Handler="lambda_function.lambda_handler",
                                      Code={"ZipFile": zipped(RECORDER)}, **setting)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"] == message
    lambda_client.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                  Handler="lambda_function.lambda_handler",
                                  Code={"ZipFile": zipped(RECORDER)})
    with pytest.raises(ClientError) as refused:
        lambda_client.update_function_configuration(FunctionName=name, **setting)
    assert refused.value.response["Error"]["Message"] == message


def test_a_mapping_moved_to_another_function_delivers_there(client, lambda_client, tmp_path):
    """UpdateEventSourceMapping's FunctionName was accepted and ignored."""
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "NEW_IMAGE"})
    stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    outs = {}
    for role in ("first", "second"):
        outs[role] = tmp_path / f"{role}.jsonl"
        lambda_client.create_function(FunctionName=f"{table}-{role}", Runtime="python3.11",
                                      Role=ROLE, Handler="lambda_function.lambda_handler",
                                      Code={"ZipFile": zipped(RECORDER)},
                                      Environment={"Variables": {"OUT": str(outs[role])}})
    mapping = lambda_client.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=f"{table}-first", StartingPosition="TRIM_HORIZON")
    client.put_item(TableName=table, Item={"pk": {"S": "before"}})
    wait_for(lambda: read_lines(outs["first"]))
    moved = lambda_client.update_event_source_mapping(UUID=mapping["UUID"],
                                                      FunctionName=f"{table}-second")
    assert moved["FunctionArn"].endswith(f":function:{table}-second")
    client.put_item(TableName=table, Item={"pk": {"S": "after"}})
    delivered = wait_for(lambda: read_lines(outs["second"]))
    assert delivered[0]["event"]["Records"][0]["dynamodb"]["Keys"] == {"pk": {"S": "after"}}
    assert len(read_lines(outs["first"])) == 1
    lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])

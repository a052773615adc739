"""StartBulkPutItems, DescribeBulkOperation, ListBulkOperations and
CancelBulkOperation against moto's server as the S3 endpoint
(tests/s3_server.py), over HTTP and embedded, on every backend: items put
into an existing table with its indexes and stream, per-item conditions,
bad lines counted and reported in the output bucket, ION and ZSTD input,
pacing, cancelling, a restart midway, S3 failures and AWS's errors."""
from __future__ import annotations

import gzip
import time

import orjson
import pytest
import support
import zstandard
from global_support import WEST, add_replica
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import create_table, error_of, open_db, read_stream, unique_name

from dynalite_py.jobs import bulk_puts as bulk_job
from dynalite_py.jobs.sweeper import sweep

BOTH = ["ERROR", "CONDITION_CHECK_FAILURE"]
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
GSI = {"GlobalSecondaryIndexes": [{
    "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "g", "AttributeType": "S"}]}


def lines(*records) -> bytes:
    return b"".join(orjson.dumps(record) + b"\n" for record in records)


def puts(*items) -> bytes:
    return lines(*({"Item": item} for item in items))


def start(client, bucket: str, prefix: str, table: str, input_format: str = "DYNAMODB_JSON",
          output_types=BOTH, compression: str | None = None, **extra) -> dict:
    source = {"S3Bucket": bucket, "S3KeyPrefix": prefix, "InputFormat": input_format}
    if compression:
        source["InputCompressionType"] = compression
    return client.start_bulk_put_items(
        TableName=table, InputS3Configuration=source, OutputS3Configuration={
            "S3Bucket": bucket, "S3KeyPrefix": "reports", "OutputType": list(output_types)},
        **extra)["BulkOperationDescription"]


def finished(client, arn: str, seconds: float = 60.0) -> dict:
    deadline = time.time() + seconds
    while True:
        described = client.describe_bulk_operation(BulkOperationArn=arn)[
            "BulkOperationDescription"]
        if described["BulkOperationStatus"] not in ("IN_PROGRESS", "CANCELLING") or \
                time.time() > deadline:
            return described
        time.sleep(0.05)


def reports(s3, bucket: str, arn: str) -> dict[str, list]:
    """The operation's report files by folder ("errors", ...), each file's
    JSON lines; the manifest under "manifest"."""
    root = f"reports/AWSDynamoDB/bulk/{arn.rsplit('/', 1)[1]}/"
    found: dict[str, list] = {}
    for entry in s3.list_objects_v2(Bucket=bucket, Prefix=root).get("Contents", ()):
        body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
        relative = entry["Key"][len(root):]
        if relative == "manifest.json":
            found["manifest"] = orjson.loads(body)
        else:
            found.setdefault(relative.split("/")[0], []).extend(
                orjson.loads(line) for line in body.splitlines())
    return found


def items_of(client, table: str) -> dict[str, dict]:
    return {item["pk"]["S"]: item for page in client.get_paginator("scan").paginate(
        TableName=table, ConsistentRead=True) for item in page["Items"]}


def streams_beside(client, server_url: str, embedded_db):
    """A DynamoDB Streams client on the engine `client` calls."""
    if client.meta.endpoint_url == server_url:
        return support.http_client(server_url, "dynamodbstreams")
    return embedded_db.client("dynamodbstreams")


def test_items_go_into_the_table_its_index_and_its_stream(s3_dynamodb, s3, bucket,
                                                          s3_server_url, s3_embedded_db):
    client = s3_dynamodb
    table = unique_name("indexed")
    client.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        BillingMode="PAY_PER_REQUEST", StreamSpecification=STREAM, **GSI)
    support.active_table(client, table)
    client.put_item(TableName=table, Item={"pk": {"S": "k0"}, "old": {"BOOL": True}})
    items = [{"pk": {"S": f"k{i}"}, "n": {"N": str(i)}, "blob": {"B": "aGk="},
              **({"g": {"S": f"g{i % 7}"}} if i % 2 else {})} for i in range(1200)]
    s3.put_object(Bucket=bucket, Key="in/a.json.gz", Body=gzip.compress(puts(*items[:700])))
    s3.put_object(Bucket=bucket, Key="in/b.json.gz", Body=gzip.compress(puts(*items[700:])))
    sizes = sum(entry["Size"] for entry in s3.list_objects_v2(
        Bucket=bucket, Prefix="in/")["Contents"])
    started = start(client, bucket, "in/", table, compression="GZIP", ClientToken="first")
    assert started["BulkOperationStatus"] == "IN_PROGRESS"
    assert started["TableDetails"] == [{"TableName": table, "TableId": client.describe_table(
        TableName=table)["Table"]["TableId"]}]
    assert started["InputS3Configuration"]["InputCompressionType"] == "GZIP"
    assert started["PerformanceTier"] == "STANDARD" and "EndTime" not in started
    done = finished(client, started["BulkOperationArn"])
    assert done["BulkOperationStatus"] == "COMPLETED", done
    assert (done["ProcessedItemCount"], done["FailedItemCount"]) == (1200, 0)
    assert done["ProcessedInputBytes"] == done["TotalInputBytes"] == sizes
    assert done["EndTime"] >= done["StartTime"]
    assert "FailureCode" not in done
    assert items_of(client, table) == {item["pk"]["S"]: dict(item, blob={"B": b"hi"})
                                       for item in items}  # boto3 decodes B values
    [usage] = done["BulkOperationUsage"]
    index_bytes = usage["GlobalSecondaryIndexes"]["by_g"]["BulkPutBytes"]
    assert 0 < index_bytes < usage["Table"]["BulkPutBytes"]
    assert usage["BulkPutBytes"] == usage["Table"]["BulkPutBytes"] + index_bytes
    assert client.query(TableName=table, IndexName="by_g", KeyConditionExpression="g = :g",
                        ExpressionAttributeValues={":g": {"S": "g3"}})["Count"] == len(
        [i for i in range(1200) if i % 2 and i % 7 == 3])
    stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = streams_beside(client, s3_server_url, s3_embedded_db)
    events = [record["eventName"] for record in read_stream(streams, stream_arn)]
    assert events.count("INSERT") == 1200 and events.count("MODIFY") == 1  # k0 replaced
    assert reports(s3, bucket, started["BulkOperationArn"])["manifest"]["status"] == "COMPLETED"


def test_conditions_hold_per_item_and_failures_are_reported_not_counted(
        s3_dynamodb, s3, bucket):
    client = s3_dynamodb
    table = create_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "kept"}, "v": {"N": "1"}})
    client.put_item(TableName=table, Item={"pk": {"S": "raised"}, "v": {"N": "1"}})
    not_there = {"ConditionExpression": "attribute_not_exists(pk)"}
    s3.put_object(Bucket=bucket, Key="cond/a.json", Body=lines(
        {"Item": {"pk": {"S": "kept"}, "v": {"N": "2"}}, **not_there},
        {"Item": {"pk": {"S": "new"}, "v": {"N": "2"}}, **not_there},
        {"Item": {"pk": {"S": "raised"}, "v": {"N": "5"}},
         "ConditionExpression": "#v < :v", "ExpressionAttributeNames": {"#v": "v"},
         "ExpressionAttributeValues": {":v": {"N": "5"}}}))
    started = start(client, bucket, "cond/", table)
    done = finished(client, started["BulkOperationArn"])
    assert done["BulkOperationStatus"] == "COMPLETED", done
    assert (done["ProcessedItemCount"], done["FailedItemCount"]) == (3, 0)
    assert {key: item["v"]["N"] for key, item in items_of(client, table).items()} == {
        "kept": "1", "new": "2", "raised": "5"}
    found = reports(s3, bucket, started["BulkOperationArn"])
    assert found["condition-check-failures"] == [{
        "ObjectKey": "cond/a.json", "LineNumber": 1,
        "Item": {"pk": {"S": "kept"}, "v": {"N": "2"}},
        "ExistingItem": {"pk": {"S": "kept"}, "v": {"N": "1"}}}]
    assert "errors" not in found
    assert found["manifest"]["files"] == [
        f"reports/AWSDynamoDB/bulk/{started['BulkOperationArn'].rsplit('/', 1)[1]}"
        "/condition-check-failures/000000.json"]


def test_bad_lines_are_counted_and_reported_and_the_rest_written(s3_dynamodb, s3, bucket):
    client = s3_dynamodb
    table = create_table(client, range_type="N")
    good = {"pk": {"S": "ok"}, "sk": {"N": "1"}}
    s3.put_object(Bucket=bucket, Key="bad/a.json", Body=b"\n".join([
        orjson.dumps({"Item": good}),
        b"not json",
        orjson.dumps({"NoItem": {}}),
        orjson.dumps({"Item": {"pk": {"S": "no-sort-key"}}}),
        orjson.dumps({"Item": {"pk": {"N": "1"}, "sk": {"N": "1"}}}),
        orjson.dumps({"Item": {"pk": {"S": "big"}, "sk": {"N": "2"},
                               "x": {"S": "x" * 410_000}}}),
        orjson.dumps({"Item": good, "ConditionExpression": "attribute_exists("}),
    ]) + b"\n")
    started = start(client, bucket, "bad/", table, output_types=["ERROR"])
    done = finished(client, started["BulkOperationArn"])
    assert done["BulkOperationStatus"] == "COMPLETED_WITH_ERRORS", done
    assert (done["ProcessedItemCount"], done["FailedItemCount"]) == (7, 6)
    assert list(items_of(client, table)) == ["ok"]
    errors = reports(s3, bucket, started["BulkOperationArn"])["errors"]
    assert [error["LineNumber"] for error in errors] == [2, 3, 4, 5, 6, 7]
    assert all(error["ObjectKey"] == "bad/a.json" and error["ErrorMessage"]
               for error in errors)
    by_line = {error["LineNumber"]: error for error in errors}
    assert "Item" not in by_line[2] and by_line[4]["Item"] == {"pk": {"S": "no-sort-key"}}
    assert "key" in by_line[4]["ErrorMessage"].lower()
    assert "size" in by_line[6]["ErrorMessage"].lower()


def test_ion_and_zstd_inputs(s3_dynamodb, s3, bucket):
    client = s3_dynamodb
    table = create_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "there"}})
    body = (b'$ion_1_0 {Item:{pk:"a",n:6d2,s:$dynamodb_SS::["x","y"],b:{{aGk=}}}}\n'
            b'$ion_1_0 {Item:{pk:"there",n:1},ConditionExpression:"attribute_not_exists(pk)"}\n'
            b'$ion_1_0 {Item:{pk:"c",n:3},ConditionExpression:"#n = :one",'
            b'ExpressionAttributeNames:{\'#n\':"pk"},ExpressionAttributeValues:{\':one\':"c"}}\n'
            b'$ion_1_0 {Item:{pk:"d", when:2020-01-01T}}\n')
    s3.put_object(Bucket=bucket, Key="ion/a.ion.zst",
                  Body=zstandard.ZstdCompressor().compress(body))
    started = start(client, bucket, "ion/", table, input_format="ION", compression="ZSTD")
    done = finished(client, started["BulkOperationArn"])
    assert (done["BulkOperationStatus"], done["ProcessedItemCount"],
            done["FailedItemCount"]) == ("COMPLETED_WITH_ERRORS", 4, 1), done
    assert items_of(client, table) == {
        "a": {"pk": {"S": "a"}, "n": {"N": "600"}, "s": {"SS": ["x", "y"]}, "b": {"B": b"hi"}},
        "there": {"pk": {"S": "there"}}}
    found = reports(s3, bucket, started["BulkOperationArn"])
    assert [entry["LineNumber"] for entry in found["condition-check-failures"]] == [2, 3]
    assert [entry["LineNumber"] for entry in found["errors"]] == [4]


def test_the_start_requests_aws_refuses(s3_dynamodb, bucket):
    client = s3_dynamodb
    table = create_table(client)
    source = {"S3Bucket": bucket, "InputFormat": "DYNAMODB_JSON"}
    output = {"S3Bucket": bucket, "OutputType": ["ERROR"]}

    def refused(**changes):
        request = {"TableName": table, "InputS3Configuration": source,
                   "OutputS3Configuration": output, **changes}
        return error_of(client.start_bulk_put_items, **request)

    missing = unique_name("missing")
    assert refused(TableName=missing) == (
        "ResourceNotFoundException", f"Requested resource not found: Table: {missing} not found")
    assert refused(OutputS3Configuration={"OutputType": ["ERROR"]})[0] == "ValidationException"
    assert refused(OutputS3Configuration=dict(output, OutputType=[]))[0] == \
        "ValidationException"
    assert refused(OutputS3Configuration=dict(output, S3SseAlgorithm="AES256",
                                              S3SseKmsKeyId="key"))[0] == "ValidationException"
    assert refused(InputS3Configuration=dict(source, InputFormat="CSV"))[0] == \
        "ValidationException"
    first = start(client, bucket, "none/", table, ClientToken="same")
    assert start(client, bucket, "none/", table, ClientToken="same")["BulkOperationArn"] == \
        first["BulkOperationArn"]
    code, message = error_of(client.start_bulk_put_items, TableName=table, ClientToken="same",
                             InputS3Configuration=dict(source, S3KeyPrefix="other/"),
                             OutputS3Configuration=output)
    assert code == "IdempotentParameterMismatchException"
    assert finished(client, first["BulkOperationArn"])["BulkOperationStatus"] == "COMPLETED"


def test_a_global_table_is_refused(s3_dynamodb, bucket):
    client = s3_dynamodb
    table = create_table(client, StreamSpecification=STREAM)
    add_replica(client, table, WEST)
    code, message = error_of(client.start_bulk_put_items, TableName=table,
                             InputS3Configuration={"S3Bucket": bucket,
                                                   "InputFormat": "DYNAMODB_JSON"},
                             OutputS3Configuration={"S3Bucket": bucket, "OutputType": ["ERROR"]})
    assert code == "ValidationException" and "global table" in message


def test_describe_and_cancel_of_unknown_operations(s3_dynamodb):
    client = s3_dynamodb
    unknown = f"arn:aws:dynamodb:{support.REGION}:000000000000:bulk-operation/" \
              "00000000000000-00000000"
    for call in (client.describe_bulk_operation, client.cancel_bulk_operation):
        assert error_of(call, BulkOperationArn=unknown) == (
            "ResourceNotFoundException",
            f"Requested resource not found: BulkOperation: {unknown} not found")
        assert error_of(call, BulkOperationArn="arn:aws:dynamodb:x:1:table/not-a-bulk-op")[0] \
            == "ValidationException"


def test_list_is_newest_first_and_pages(s3_dynamodb, bucket):
    client = s3_dynamodb
    table = create_table(client)
    arns = [start(client, bucket, f"empty-{n}/", table)["BulkOperationArn"] for n in range(3)]
    seen, token = [], None
    while True:
        page = client.list_bulk_operations(MaxResults=1, **(
            {"NextToken": token} if token else {}))
        seen += [summary["BulkOperationArn"] for summary in page["BulkOperationsSummaryList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert [arn for arn in seen if arn in arns] == arns[::-1]
    [summary] = [s for s in client.list_bulk_operations()["BulkOperationsSummaryList"]
                 if s["BulkOperationArn"] == arns[0]]
    assert set(summary) <= {"BulkOperationArn", "BulkOperationStatus", "StartTime", "EndTime"}
    assert error_of(client.list_bulk_operations, NextToken="ab" * 8)[0] == "ValidationException"


def slow_input(s3, bucket: str, prefix: str, count: int) -> list[dict]:
    items = [{"pk": {"S": f"s{i:05d}"}} for i in range(count)]
    s3.put_object(Bucket=bucket, Key=f"{prefix}/a.json", Body=lines(*(
        {"Item": item, "ConditionExpression": "attribute_not_exists(pk)"} for item in items)))
    return items


def test_max_write_request_units_paces_and_cancel_stops(s3_dynamodb, s3, bucket):
    client = s3_dynamodb
    table = create_table(client)
    slow_input(s3, bucket, "paced", 2200)
    paced = start(client, bucket, "paced/", table, MaxWriteRequestUnits=1024)
    done = finished(client, paced["BulkOperationArn"])
    assert done["BulkOperationStatus"] == "COMPLETED"
    # 2,200 one-unit puts at 1,024 units a second: at least the two seconds' worth past the first
    assert (done["EndTime"] - done["StartTime"]).total_seconds() >= 1.0
    other = create_table(client)
    slow_input(s3, bucket, "cancelled", 5000)
    running = start(client, bucket, "cancelled/", other, MaxWriteRequestUnits=1024)
    arn = running["BulkOperationArn"]
    support.wait_for(lambda: client.describe_bulk_operation(BulkOperationArn=arn)[
        "BulkOperationDescription"]["ProcessedItemCount"] > 0)
    code, message = error_of(client.update_table, TableName=other,
                             ReplicaUpdates=[{"Create": {"RegionName": WEST}}])
    assert code == "ValidationException" and "bulk operation in progress" in message
    assert client.cancel_bulk_operation(BulkOperationArn=arn)["BulkOperationStatus"] in (
        "CANCELLING", "CANCELLED")
    stopped = finished(client, arn)
    assert stopped["BulkOperationStatus"] == "CANCELLED"
    assert stopped["FailureCode"] and stopped["FailureMessage"]
    assert 0 < stopped["ProcessedItemCount"] < 5000
    assert len(items_of(client, other)) == stopped["ProcessedItemCount"]  # written ones stay
    assert client.cancel_bulk_operation(BulkOperationArn=arn)["BulkOperationStatus"] == \
        "CANCELLED"
    assert error_of(client.cancel_bulk_operation, BulkOperationArn=paced["BulkOperationArn"])[
        0] == "ValidationException"


def test_a_missing_bucket_fails_the_operation(s3_dynamodb, bucket):
    client = s3_dynamodb
    table = create_table(client)
    started = start(client, "no-such-bucket-" + unique_name().lower()[-8:], "", table)
    done = finished(client, started["BulkOperationArn"])
    assert done["BulkOperationStatus"] == "FAILED" and done["FailureCode"] == "NoSuchBucket"
    assert client.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"


def test_an_interrupted_operation_resumes_after_a_restart(tmp_path, s3_endpoint, s3, bucket,
                                                          monkeypatch):
    """Stopped after its first batch (as if killed there): the reopened
    engine goes on from the stored position and applies every line once
    (each line's condition, attribute_not_exists, would fail a second time)."""
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing after close")
    items = slow_input(s3, bucket, "cut", 450)
    calls = support.stop_after_first_call(monkeypatch, bulk_job, "_write_batch",
                                          bulk_job._Stopped)
    db = open_db(str(tmp_path), s3_endpoint=s3_endpoint)
    table = create_table(db.client())
    arn = start(db.client(), bucket, "cut/", table)["BulkOperationArn"]
    support.wait_for(lambda: len(calls) > 1)
    db.close()
    monkeypatch.undo()
    with open_db(str(tmp_path), s3_endpoint=s3_endpoint) as db:
        client = db.client()
        halfway = client.describe_bulk_operation(BulkOperationArn=arn)[
            "BulkOperationDescription"]
        assert (halfway["BulkOperationStatus"], halfway["ProcessedItemCount"]) == (
            "IN_PROGRESS", bulk_job.WRITE_BATCH)
        sweep(db.engine)
        done = finished(client, arn)
        assert (done["BulkOperationStatus"], done["ProcessedItemCount"]) == ("COMPLETED", 450)
        assert "condition-check-failures" not in reports(s3, bucket, arn)
        assert items_of(client, table) == {item["pk"]["S"]: item for item in items}


VALUE = st.integers(min_value=0, max_value=9)
KEY = st.sampled_from(["a", "b", "c", "d"])
LINE = st.one_of(
    st.builds(lambda key, value: ("put", key, value, False), KEY, VALUE),
    st.builds(lambda key, value: ("put", key, value, True), KEY, VALUE),  # if absent
    st.sampled_from([("bad", "not json"), ("bad", '{"NoItem": {}}'),
                     ("bad", '{"Item": {"v": {"N": "1"}}}'),
                     ("bad", '{"Item": {"pk": {"N": "1"}}}'),
                     ("bad", '{"Item": "text"}')]))


def encoded(line: tuple) -> bytes:
    if line[0] == "bad":
        return line[1].encode()
    _, key, value, if_absent = line
    record = {"Item": {"pk": {"S": key}, "v": {"N": str(value)}}}
    if if_absent:
        record["ConditionExpression"] = "attribute_not_exists(pk)"
    return orjson.dumps(record)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, min_size=1, max_size=40), batch=st.sampled_from([1, 3, 100]))
def test_any_mix_of_lines_ends_as_applying_them_in_order(s3_embedded_db, s3, bucket,
                                                         monkeypatch, lines, batch):
    """Model: each line in order, a put replacing the item unless its
    condition finds one; bad lines counted; whatever the batch size."""
    monkeypatch.setattr(bulk_job, "WRITE_BATCH", batch)
    client = s3_embedded_db.client()
    table = create_table(client)
    prefix = unique_name("mix") + "/"
    s3.put_object(Bucket=bucket, Key=prefix + "a.json",
                  Body=b"\n".join(encoded(line) for line in lines) + b"\n")
    expected, failed, conditions = {}, 0, 0
    for line in lines:
        if line[0] == "bad":
            failed += 1
        elif line[3] and line[1] in expected:
            conditions += 1
        else:
            expected[line[1]] = line[2]
    arn = start(client, bucket, prefix, table)["BulkOperationArn"]
    done = finished(client, arn)
    assert (done["ProcessedItemCount"], done["FailedItemCount"]) == (len(lines), failed)
    assert done["BulkOperationStatus"] == ("COMPLETED_WITH_ERRORS" if failed else "COMPLETED")
    assert {key: int(item["v"]["N"]) for key, item in items_of(client, table).items()} == \
        expected
    found = reports(s3, bucket, arn)
    assert len(found.get("errors", [])) == failed
    assert len(found.get("condition-check-failures", [])) == conditions

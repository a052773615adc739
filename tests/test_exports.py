"""ExportTableToPointInTime, DescribeExport and ListExports against moto's
server as the S3 endpoint (tests/s3_server.py): AWS's object layout read
back with boto3's S3 client, point-in-time exports, failures reported in
the job (never by the server), and AWS's errors for bad input."""
from __future__ import annotations

import base64
import gzip
import hashlib
import time

import orjson
import pytest
import support
from s3_server import wait_for_status
from support import create_table, error_of, free_port, http_client, open_db, start_server

from dynalite_py.jobs import exports as export_job


def table_with_pitr(client, **extra) -> tuple[str, str]:
    name = create_table(client, **extra)
    client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    return name, client.describe_table(TableName=name)["Table"]["TableArn"]


def finished(client, arn: str) -> dict:
    return wait_for_status(lambda: client.describe_export(ExportArn=arn)["ExportDescription"],
                           "ExportStatus")


def exported_items(s3, bucket_name: str, manifest_key: str) -> list[dict]:
    """Every item of an export, read the way AWS's readers do: the summary
    names the files manifest, which names the data files."""
    summary = orjson.loads(s3.get_object(Bucket=bucket_name, Key=manifest_key)["Body"].read())
    files = s3.get_object(Bucket=bucket_name, Key=summary["manifestFilesS3Key"])["Body"].read()
    items = []
    for line in files.splitlines():
        entry = orjson.loads(line)
        body = s3.get_object(Bucket=bucket_name, Key=entry["dataFileS3Key"])["Body"].read()
        assert base64.b64encode(hashlib.md5(body).digest()).decode() == entry["md5Checksum"]
        lines = gzip.decompress(body).splitlines()
        assert len(lines) == entry["itemCount"]
        items.extend(orjson.loads(data)["Item"] for data in lines)
    assert summary["itemCount"] == len(items)
    return items


def test_export_writes_aws_layout(s3_dynamodb, s3, bucket):
    client = s3_dynamodb
    name, table_arn = table_with_pitr(client)
    written = [{"pk": {"S": f"k{i}"}, "n": {"N": str(i)}, "b": {"B": bytes([i % 256])},
                "l": {"L": [{"SS": ["a", "b"]}, {"NULL": True}]}} for i in range(3000)]
    for item in written:
        client.put_item(TableName=name, Item=item)
    started = client.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, S3Prefix="exports/daily")["ExportDescription"]
    assert started["ExportStatus"] == "IN_PROGRESS"
    assert started["ExportArn"].startswith(table_arn + "/export/")
    assert started["ExportFormat"] == "DYNAMODB_JSON" and started["ExportType"] == "FULL_EXPORT"
    done = finished(client, started["ExportArn"])
    assert done["ExportStatus"] == "COMPLETED", done
    export_id = started["ExportArn"].rsplit("/", 1)[1]
    root = f"exports/daily/AWSDynamoDB/{export_id}/"
    assert done["ExportManifest"] == root + "manifest-summary.json"
    assert done["ItemCount"] == 3000 and done["BilledSizeBytes"] > 0
    keys = {obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket, MaxKeys=1000)["Contents"]}
    assert {root + "_started", root + "manifest-files.json",
            root + "manifest-summary.json"} <= keys
    data_files = [key for key in keys if key.startswith(root + "data/")]
    assert len(data_files) == 2 and all(key.endswith(".json.gz") for key in data_files)
    summary = orjson.loads(s3.get_object(Bucket=bucket, Key=done["ExportManifest"])["Body"].read())
    assert summary["exportArn"] == started["ExportArn"] and summary["tableArn"] == table_arn
    assert summary["outputFormat"] == "DYNAMODB_JSON" and summary["s3Bucket"] == bucket
    assert summary["billedSizeBytes"] == done["BilledSizeBytes"]
    items = exported_items(s3, bucket, done["ExportManifest"])
    as_written = {item["pk"]["S"]: dict(item, b={"B": base64.b64encode(item["b"]["B"]).decode()})
                  for item in written}
    assert sorted(items, key=lambda item: item["pk"]["S"]) == sorted(
        as_written.values(), key=lambda item: item["pk"]["S"])


def test_export_of_an_empty_table_without_prefix(s3_dynamodb, s3, bucket):
    _, table_arn = table_with_pitr(s3_dynamodb)
    started = s3_dynamodb.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket)
    done = finished(s3_dynamodb, started["ExportDescription"]["ExportArn"])
    assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 0
    assert done["ExportManifest"].startswith("AWSDynamoDB/")
    assert "S3Prefix" not in done
    assert exported_items(s3, bucket, done["ExportManifest"]) == []


def test_client_token_answers_the_same_export(s3_dynamodb, bucket):
    _, table_arn = table_with_pitr(s3_dynamodb)
    first = s3_dynamodb.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket,
                                                      ClientToken="same-token-1")
    again = s3_dynamodb.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket,
                                                      ClientToken="same-token-1")
    assert first["ExportDescription"]["ExportArn"] == again["ExportDescription"]["ExportArn"]


def test_missing_bucket_fails_the_job(s3_dynamodb):
    _, table_arn = table_with_pitr(s3_dynamodb)
    started = s3_dynamodb.export_table_to_point_in_time(TableArn=table_arn,
                                                        S3Bucket="no-such-bucket-here")
    done = finished(s3_dynamodb, started["ExportDescription"]["ExportArn"])
    assert done["ExportStatus"] == "FAILED"
    assert done["FailureCode"] == "NoSuchBucket"
    assert "bucket does not exist" in done["FailureMessage"]
    assert "ItemCount" not in done


def test_list_exports_by_table_and_in_pages(s3_dynamodb, bucket):
    _, first_arn = table_with_pitr(s3_dynamodb)
    _, other_arn = table_with_pitr(s3_dynamodb)
    arns = [s3_dynamodb.export_table_to_point_in_time(
        TableArn=first_arn, S3Bucket=bucket)["ExportDescription"]["ExportArn"] for _ in range(3)]
    s3_dynamodb.export_table_to_point_in_time(TableArn=other_arn, S3Bucket=bucket)
    for arn in arns:
        finished(s3_dynamodb, arn)
    page = s3_dynamodb.list_exports(TableArn=first_arn, MaxResults=2)
    assert [summary["ExportArn"] for summary in page["ExportSummaries"]] == arns[:2]
    rest = s3_dynamodb.list_exports(TableArn=first_arn, MaxResults=2, NextToken=page["NextToken"])
    assert [summary["ExportArn"] for summary in rest["ExportSummaries"]] == arns[2:]
    assert "NextToken" not in rest
    assert rest["ExportSummaries"][0] == {"ExportArn": arns[2], "ExportStatus": "COMPLETED",
                                          "ExportType": "FULL_EXPORT"}
    everything = s3_dynamodb.list_exports()["ExportSummaries"]
    assert set(arns) <= {summary["ExportArn"] for summary in everything}


def test_export_errors(s3_dynamodb, bucket):
    client = s3_dynamodb
    name = create_table(client)
    table_arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    assert error_of(client.export_table_to_point_in_time, TableArn=table_arn,
                    S3Bucket=bucket) == (
        "PointInTimeRecoveryUnavailableException",
        f"Point in time recovery is not enabled for table '{name}'")
    missing = table_arn.rsplit("/", 1)[0] + "/no-such-table"
    assert error_of(client.export_table_to_point_in_time, TableArn=missing, S3Bucket=bucket) == (
        "TableNotFoundException", "Table not found: no-such-table")
    assert error_of(client.export_table_to_point_in_time, TableArn="not-an-arn",
                    S3Bucket=bucket)[0] == "ValidationException"
    code, message = error_of(client.export_table_to_point_in_time, TableArn=table_arn,
                             S3Bucket="bad bucket!")
    assert code == "ValidationException" and "s3Bucket" in message
    assert error_of(client.describe_export, ExportArn=table_arn + "/export/01700000000000-"
                    "abcdef12") == ("ExportNotFoundException", "Export not found: " + table_arn
                                    + "/export/01700000000000-abcdef12")
    assert error_of(client.describe_export, ExportArn="arn:aws:dynamodb:us-east-1:"
                    "000000000000:table/x/export/nonsense")[0] == "ValidationException"
    _, pitr_arn = table_with_pitr(client)
    assert error_of(client.export_table_to_point_in_time, TableArn=pitr_arn, S3Bucket=bucket,
                    ExportTime=time.time() - 3600)[0] == "InvalidExportTimeException"
    assert error_of(client.export_table_to_point_in_time, TableArn=pitr_arn, S3Bucket=bucket,
                    ExportFormat="XML")[0] == "ValidationException"


def test_export_is_the_table_as_of_export_time(s3_embedded_db, s3, bucket):
    client = s3_embedded_db.client()
    name, table_arn = table_with_pitr(client)
    client.put_item(TableName=name, Item={"pk": {"S": "kept"}, "v": {"N": "1"}})
    client.put_item(TableName=name, Item={"pk": {"S": "later-deleted"}})
    time.sleep(0.05)
    moment = time.time()
    time.sleep(0.05)
    client.put_item(TableName=name, Item={"pk": {"S": "kept"}, "v": {"N": "2"}})
    client.delete_item(TableName=name, Key={"pk": {"S": "later-deleted"}})
    client.put_item(TableName=name, Item={"pk": {"S": "added-after"}})
    started = client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket,
                                                   ExportTime=moment)["ExportDescription"]
    done = finished(client, started["ExportArn"])
    assert done["ExportStatus"] == "COMPLETED"
    items = exported_items(s3, bucket, done["ExportManifest"])
    assert sorted(items, key=lambda item: item["pk"]["S"]) == [
        {"pk": {"S": "kept"}, "v": {"N": "1"}}, {"pk": {"S": "later-deleted"}}]


def test_s3_endpoint_down_fails_the_job_and_the_server_stays_up(tmp_path, bucket):
    dead = f"http://127.0.0.1:{free_port()}"
    process, url = start_server(str(tmp_path), "--s3-endpoint", dead)
    try:
        client = http_client(url)
        _, table_arn = table_with_pitr(client)
        started = client.export_table_to_point_in_time(TableArn=table_arn, S3Bucket=bucket)
        done = finished(client, started["ExportDescription"]["ExportArn"])
        assert done["ExportStatus"] == "FAILED"
        assert done["FailureCode"] == "S3Unavailable"
        assert dead in done["FailureMessage"]
        assert client.list_tables()["TableNames"]
    finally:
        process.terminate()
        process.wait(10)


def test_s3_endpoint_from_the_environment(tmp_path, monkeypatch, s3_endpoint):
    monkeypatch.setenv("DYNALITE_S3_ENDPOINT", s3_endpoint)
    db = open_db(str(tmp_path))
    try:
        assert db.engine.config.s3_endpoint == s3_endpoint
    finally:
        db.close()


def test_an_interrupted_export_is_failed_after_a_restart(tmp_path, s3_endpoint, bucket,
                                                         monkeypatch):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing after close")
    db = open_db(str(tmp_path), s3_endpoint=s3_endpoint)
    client = db.client()
    name, table_arn = table_with_pitr(client)
    for i in range(20):
        client.put_item(TableName=name, Item={"pk": {"S": str(i)}})
    # the writer stops at its first batch, as if the process were killed there
    monkeypatch.setattr(export_job, "_items", _stopped_items)
    arn = client.export_table_to_point_in_time(TableArn=table_arn,
                                               S3Bucket=bucket)["ExportDescription"]["ExportArn"]
    db.close()
    monkeypatch.undo()
    db = open_db(str(tmp_path), s3_endpoint=s3_endpoint)
    try:
        from dynalite_py.jobs.sweeper import sweep
        sweep(db.engine)
        described = db.client().describe_export(ExportArn=arn)["ExportDescription"]
        assert described["ExportStatus"] == "FAILED"
        assert described["FailureMessage"] == export_job.INTERRUPTED
    finally:
        db.close()


def _stopped_items(*_job_arguments):
    raise export_job._Stopped()
    yield


@pytest.mark.parametrize("field", ["S3Prefix"])
def test_prefix_longer_than_the_model_allows(s3_dynamodb, bucket, field):
    _, table_arn = table_with_pitr(s3_dynamodb)
    code, message = error_of(s3_dynamodb.export_table_to_point_in_time, TableArn=table_arn,
                             S3Bucket=bucket, **{field: "p" * 1025})
    assert code == "ValidationException" and "s3Prefix" in message


@pytest.mark.parametrize("export_format", ["DYNAMODB_JSON", "ION"])
def test_export_10000_items_then_import_them_as_a_new_table(s3_embedded_db, bucket,
                                                           export_format):
    """The whole round trip, every item compared (embedded, unloaded: 10,000
    items out and back in take about 0.6 s each way)."""
    client = s3_embedded_db.client()
    name, table_arn = table_with_pitr(client)
    for start in range(0, 10000, 25):
        client.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {
            "pk": {"S": f"k{i}"}, "n": {"N": str(i * 1.5)}, "b": {"B": bytes([i % 256])},
            "s": {"S": "x" * (i % 40)}, "ns": {"NS": [str(i), "-1e-5"]},
            "l": {"L": [{"SS": ["a", "b"]}, {"NULL": True}, {"BOOL": i % 2 == 0}]},
            "m": {"M": {"bs": {"BS": [b"p", b"q"]}}}}}} for i in range(start, start + 25)]})
    done = finished(client, client.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, S3Prefix=name,
        ExportFormat=export_format)["ExportDescription"]["ExportArn"])
    assert done["ExportStatus"] == "COMPLETED" and done["ItemCount"] == 10000
    assert done["ExportFormat"] == export_format
    imported_name = name + "-copy"
    arn = client.import_table(
        S3BucketSource={"S3Bucket": bucket,
                        "S3KeyPrefix": done["ExportManifest"].rsplit("/", 1)[0] + "/data/"},
        InputFormat=export_format, InputCompressionType="GZIP",
        TableCreationParameters={"TableName": imported_name, "BillingMode": "PAY_PER_REQUEST",
                                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                                 "AttributeDefinitions": [{"AttributeName": "pk",
                                                           "AttributeType": "S"}]}
    )["ImportTableDescription"]["ImportArn"]
    result = wait_for_status(lambda: client.describe_import(ImportArn=arn)[
        "ImportTableDescription"], "ImportStatus")
    assert result["ImportStatus"] == "COMPLETED" and result["ImportedItemCount"] == 10000

    def everything(table: str) -> dict:
        return {item["pk"]["S"]: item for page in client.get_paginator("scan").paginate(
            TableName=table, ConsistentRead=True) for item in page["Items"]}
    original = everything(name)
    assert len(original) == 10000 and everything(imported_name) == original


def test_ion_export_writes_aws_ion_lines(s3_dynamodb, s3, bucket):
    from amazon.ion import simpleion
    name, table_arn = table_with_pitr(s3_dynamodb)
    s3_dynamodb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "600"},
                                               "ss": {"SS": ["x"]}, "b": {"B": b"hi"}})
    done = finished(s3_dynamodb, s3_dynamodb.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, ExportFormat="ION")["ExportDescription"]["ExportArn"])
    summary = orjson.loads(s3.get_object(Bucket=bucket, Key=done["ExportManifest"])["Body"].read())
    assert summary["outputFormat"] == "ION"
    entry = orjson.loads(s3.get_object(Bucket=bucket, Key=summary["manifestFilesS3Key"])[
        "Body"].read().splitlines()[0])
    assert entry["dataFileS3Key"].endswith(".ion.gz")
    [line] = gzip.decompress(s3.get_object(Bucket=bucket, Key=entry["dataFileS3Key"])[
        "Body"].read()).splitlines()
    assert line.startswith(b"$ion_1_0 ")
    value = simpleion.loads(line.decode())["Item"]
    assert value["pk"] == "a" and value["n"] == 600 and value["b"] == b"hi"
    assert [token.text for token in value["ss"].ion_annotations] == ["$dynamodb_SS"]

"""SIGKILL of a real server during an import, a bulk put or an export (S3
on moto's server): after a restart the import resumes and imports every
line once, its table never ACTIVE half filled; the bulk put resumes and
applies every line once; the export is reported FAILED (or had finished),
never left IN_PROGRESS."""
from __future__ import annotations

import signal

import orjson
import pytest
import support
from s3_server import wait_for_status
from support import create_table, http_client, start_server, unique_name, wait_for
from test_bulk_put_items import finished as bulk_finished
from test_bulk_put_items import reports
from test_exports import exported_items, table_with_pitr
from test_imports import KEYED, lines

from dynalite_py.jobs import exports as export_job

OBJECTS, PER_OBJECT = 20, 500
BULK_OBJECTS = 6  # of PER_OBJECT lines: about 3 s at 1,024 write units a second


@pytest.fixture(autouse=True)
def _kept_data():
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing across a killed server")


def _killed(process) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def test_an_import_killed_midway_resumes_and_imports_each_line_once(tmp_path, s3_endpoint, s3,
                                                                    bucket):
    prefix = unique_name("killed") + "/"
    for part in range(OBJECTS):
        s3.put_object(Bucket=bucket, Key=f"{prefix}part-{part:02d}.json", Body=lines(*(
            {"pk": {"S": f"{part}-{i}"}, "pad": {"S": "x" * 200}} for i in range(PER_OBJECT))))
    data = str(tmp_path / "data")
    process, url = start_server(data, "--s3-endpoint", s3_endpoint)
    try:
        client = http_client(url)
        name = unique_name("imported")
        arn = client.import_table(
            S3BucketSource={"S3Bucket": bucket, "S3KeyPrefix": prefix},
            InputFormat="DYNAMODB_JSON", TableCreationParameters=dict(KEYED, TableName=name)
        )["ImportTableDescription"]["ImportArn"]
        wait_for(lambda: client.describe_import(ImportArn=arn)["ImportTableDescription"][
            "ImportedItemCount"] > 0, seconds=30)
    finally:
        _killed(process)
    process, url = start_server(data, "--s3-endpoint", s3_endpoint)
    try:
        client = http_client(url)
        halfway = client.describe_import(ImportArn=arn)["ImportTableDescription"]
        assert halfway["ImportStatus"] == "IN_PROGRESS", "the kill came after the import ended"
        assert 0 < halfway["ImportedItemCount"] < OBJECTS * PER_OBJECT
        assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "CREATING"
        done = wait_for_status(
            lambda: client.describe_import(ImportArn=arn)["ImportTableDescription"],
            "ImportStatus")
        assert done["ImportStatus"] == "COMPLETED", done
        assert done["ImportedItemCount"] == done["ProcessedItemCount"] == OBJECTS * PER_OBJECT
        client.get_waiter("table_exists").wait(TableName=name,
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        keys = [item["pk"]["S"] for page in client.get_paginator("scan").paginate(
            TableName=name, ProjectionExpression="pk") for item in page["Items"]]
        assert sorted(keys) == sorted(f"{part}-{i}" for part in range(OBJECTS)
                                      for i in range(PER_OBJECT))
        assert client.describe_table(TableName=name)["Table"]["ItemCount"] == len(keys)
    finally:
        process.terminate()
        process.wait(10)


def test_a_bulk_put_killed_midway_resumes_and_applies_each_line_once(tmp_path, s3_endpoint,
                                                                     s3, bucket):
    """Each line's condition (attribute_not_exists) would fail, and be
    reported, were it applied twice; MaxWriteRequestUnits keeps the job
    running for seconds, so the kill comes midway."""
    prefix = unique_name("bulk-killed") + "/"
    for part in range(BULK_OBJECTS):
        s3.put_object(Bucket=bucket, Key=f"{prefix}part-{part:02d}.json", Body=b"".join(
            orjson.dumps({"Item": {"pk": {"S": f"{part}-{i}"}},
                          "ConditionExpression": "attribute_not_exists(pk)"}) + b"\n"
            for i in range(PER_OBJECT)))
    data = str(tmp_path / "data")
    process, url = start_server(data, "--s3-endpoint", s3_endpoint)
    try:
        client = http_client(url)
        name = create_table(client)
        arn = client.start_bulk_put_items(
            TableName=name, MaxWriteRequestUnits=1024,
            InputS3Configuration={"S3Bucket": bucket, "S3KeyPrefix": prefix,
                                  "InputFormat": "DYNAMODB_JSON"},
            OutputS3Configuration={"S3Bucket": bucket, "S3KeyPrefix": "reports",
                                   "OutputType": ["ERROR", "CONDITION_CHECK_FAILURE"]})[
            "BulkOperationDescription"]["BulkOperationArn"]
        wait_for(lambda: client.describe_bulk_operation(BulkOperationArn=arn)[
            "BulkOperationDescription"]["ProcessedItemCount"] > 0, seconds=30)
    finally:
        _killed(process)
    process, url = start_server(data, "--s3-endpoint", s3_endpoint)
    try:
        client = http_client(url)
        halfway = client.describe_bulk_operation(BulkOperationArn=arn)[
            "BulkOperationDescription"]
        assert halfway["BulkOperationStatus"] == "IN_PROGRESS", "the kill came after it ended"
        assert 0 < halfway["ProcessedItemCount"] < BULK_OBJECTS * PER_OBJECT
        done = bulk_finished(client, arn, seconds=90)
        assert done["BulkOperationStatus"] == "COMPLETED", done
        assert done["ProcessedItemCount"] == BULK_OBJECTS * PER_OBJECT
        assert "condition-check-failures" not in reports(s3, bucket, arn)
        keys = [item["pk"]["S"] for page in client.get_paginator("scan").paginate(
            TableName=name, ProjectionExpression="pk") for item in page["Items"]]
        assert sorted(keys) == sorted(f"{part}-{i}" for part in range(BULK_OBJECTS)
                                      for i in range(PER_OBJECT))
    finally:
        process.terminate()
        process.wait(10)


def test_an_export_killed_midway_is_failed_after_the_restart(tmp_path, s3_endpoint, s3,
                                                             bucket):
    data = str(tmp_path / "data")
    process, url = start_server(data, "--s3-endpoint", s3_endpoint)
    try:
        client = http_client(url)
        name, table_arn = table_with_pitr(client)
        for start in range(0, 5000, 25):
            client.batch_write_item(RequestItems={name: [
                {"PutRequest": {"Item": {"pk": {"S": str(i)}, "pad": {"S": "x" * 200}}}}
                for i in range(start, start + 25)]})
        arn = client.export_table_to_point_in_time(
            TableArn=table_arn, S3Bucket=bucket)["ExportDescription"]["ExportArn"]
        root = f"AWSDynamoDB/{arn.rsplit('/', 1)[1]}/"
        wait_for(lambda: s3.list_objects_v2(Bucket=bucket, Prefix=root)["KeyCount"] > 0)
    finally:
        _killed(process)
    process, url = start_server(data, "--s3-endpoint", s3_endpoint)
    try:
        client = http_client(url)
        done = wait_for_status(lambda: client.describe_export(ExportArn=arn)[
            "ExportDescription"], "ExportStatus", seconds=20)
        assert done["ExportStatus"] in ("FAILED", "COMPLETED"), done
        if done["ExportStatus"] == "FAILED":
            assert done["FailureMessage"] == export_job.INTERRUPTED
        else:  # the kill came after the export ended: it is whole
            assert len(exported_items(s3, bucket, done["ExportManifest"])) == 5000
        assert client.describe_table(TableName=name)["Table"]["ItemCount"] == 5000
    finally:
        process.terminate()
        process.wait(10)

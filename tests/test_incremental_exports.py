"""ExportTableToPointInTime's INCREMENTAL_EXPORT against moto's server as
the S3 endpoint, on an engine whose clock the test moves: each item
changed in [ExportFromTime, ExportToTime) once, compacted to its net
change (an item created and deleted in the period has no line), with
AWS's record shape, both view types, ION, the shared data folder, and
the period's rules."""
from __future__ import annotations

import datetime
import gzip

import orjson
import pytest
from amazon.ion import simpleion
from support import Clock, create_table, error_of, open_db
from test_exports import finished

T0 = 1_800_000_000.0  # PITR turned on
FROM, TO = T0 + 600, T0 + 600 + 1800  # a 30-minute period


@pytest.fixture
def clocked(tmp_path, s3_endpoint):
    with open_db(str(tmp_path), s3_endpoint=s3_endpoint, sweep_interval=3600.0,
                 table_status_delay=0.0) as db:
        db.engine.clock = Clock(T0)
        yield db


def at(db, when: float) -> None:
    db.engine.clock.now = when


def changed_table(db) -> tuple[str, str]:
    """A table with changes before, in and after the period; its name and ARN."""
    client = db.client()
    name = create_table(client)
    client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})

    def put(when: float, key: str, value: int) -> None:
        at(db, when)
        client.put_item(TableName=name, Item={"pk": {"S": key}, "v": {"N": str(value)}})

    def delete(when: float, key: str) -> None:
        at(db, when)
        client.delete_item(TableName=name, Key={"pk": {"S": key}})
    for key in ("unchanged", "modified", "deleted"):
        put(T0 + 60, key, 1)
    put(FROM, "modified", 2)  # the period's start is inclusive
    put(FROM + 20, "modified", 3)
    delete(FROM + 30, "deleted")
    put(FROM + 40, "created", 5)
    put(FROM + 50, "transient", 6)
    delete(FROM + 60, "transient")
    put(TO, "modified", 4)  # its end is exclusive
    put(TO + 10, "created", 9)
    put(TO + 20, "late", 7)
    at(db, TO + 100)
    return name, client.describe_table(TableName=name)["Table"]["TableArn"]


def export(client, table_arn: str, bucket: str, export_format: str = "DYNAMODB_JSON",
           **spec) -> dict:
    started = client.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, S3Prefix="inc", ExportType="INCREMENTAL_EXPORT",
        ExportFormat=export_format,
        IncrementalExportSpecification={"ExportFromTime": FROM, "ExportToTime": TO, **spec})[
        "ExportDescription"]
    done = finished(client, started["ExportArn"])
    assert done["ExportStatus"] == "COMPLETED", done
    return done


def data_lines(s3, bucket: str, done: dict) -> tuple[dict, list[bytes]]:
    summary = orjson.loads(s3.get_object(Bucket=bucket, Key=done["ExportManifest"])[
        "Body"].read())
    files = s3.get_object(Bucket=bucket, Key=summary["manifestFilesS3Key"])["Body"].read()
    lines = []
    for entry in map(orjson.loads, files.splitlines()):
        assert entry["dataFileS3Key"].startswith("inc/AWSDynamoDB/data/")  # the shared folder
        body = s3.get_object(Bucket=bucket, Key=entry["dataFileS3Key"])["Body"].read()
        lines += gzip.decompress(body).splitlines()
    return summary, lines


def micros(when: float) -> str:
    return str(int(when * 1_000_000))


def test_each_changed_item_once_with_its_net_change(clocked, s3, bucket):
    name, table_arn = changed_table(clocked)
    client = clocked.client()
    done = export(client, table_arn, bucket)
    assert done["ExportType"] == "INCREMENTAL_EXPORT" and "ExportTime" not in done
    spec = done["IncrementalExportSpecification"]
    assert (spec["ExportFromTime"].timestamp(), spec["ExportToTime"].timestamp(),
            spec["ExportViewType"]) == (FROM, TO, "NEW_AND_OLD_IMAGES")
    assert done["ExportManifest"].startswith(
        "inc/AWSDynamoDB/" + done["ExportArn"].rsplit("/", 1)[1] + "/")
    summary, lines = data_lines(s3, bucket, done)
    assert (summary["exportType"], summary["outputView"]) == (
        "INCREMENTAL_EXPORT", "NEW_AND_OLD_IMAGES")
    assert summary["itemCount"] == done["ItemCount"] == 3 == len(lines)
    records = {record["Keys"]["pk"]["S"]: record for record in map(orjson.loads, lines)}
    assert records == {
        "modified": {"Metadata": {"WriteTimestampMicros": {"N": micros(FROM + 20)}},
                     "Keys": {"pk": {"S": "modified"}},
                     "NewImage": {"pk": {"S": "modified"}, "v": {"N": "3"}},
                     "OldImage": {"pk": {"S": "modified"}, "v": {"N": "1"}}},
        "deleted": {"Metadata": {"WriteTimestampMicros": {"N": micros(FROM + 30)}},
                    "Keys": {"pk": {"S": "deleted"}},
                    "OldImage": {"pk": {"S": "deleted"}, "v": {"N": "1"}}},
        "created": {"Metadata": {"WriteTimestampMicros": {"N": micros(FROM + 40)}},
                    "Keys": {"pk": {"S": "created"}},
                    "NewImage": {"pk": {"S": "created"}, "v": {"N": "5"}}}}
    assert done["BilledSizeBytes"] > 0


def test_new_image_view_and_ion(clocked, s3, bucket):
    _, table_arn = changed_table(clocked)
    done = export(clocked.client(), table_arn, bucket, "ION", ExportViewType="NEW_IMAGE")
    summary, lines = data_lines(s3, bucket, done)
    assert summary["outputView"] == "NEW_IMAGE" and summary["outputFormat"] == "ION"
    records = {str(record["Keys"]["pk"]): record for record in (
        simpleion.loads(line.decode()) for line in lines)}
    assert set(records) == {"modified", "deleted", "created"}
    assert all("OldImage" not in record for record in records.values())
    assert "NewImage" not in records["deleted"]  # a delete is its keys alone
    assert records["modified"]["NewImage"]["v"] == 3
    assert records["created"]["Metadata"]["WriteTimestampMicros"] == int(micros(FROM + 40))


def test_default_end_is_now(clocked, s3, bucket):
    client = clocked.client()
    name, table_arn = changed_table(clocked)
    at(clocked, FROM + 3600)
    started = client.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, S3Prefix="inc", ExportType="INCREMENTAL_EXPORT",
        IncrementalExportSpecification={"ExportFromTime": FROM})["ExportDescription"]
    done = finished(client, started["ExportArn"])
    assert done["IncrementalExportSpecification"]["ExportToTime"].timestamp() == FROM + 3600
    records = {orjson.loads(line)["Keys"]["pk"]["S"]: orjson.loads(line)
               for line in data_lines(s3, bucket, done)[1]}
    assert set(records) == {"modified", "deleted", "created", "late"}
    assert records["created"]["NewImage"]["v"] == {"N": "9"}


def test_the_period_rules(clocked, bucket):
    client = clocked.client()
    _, table_arn = changed_table(clocked)
    stamp = datetime.datetime.fromtimestamp

    def refused(**request) -> tuple[str, str]:
        return error_of(client.export_table_to_point_in_time, TableArn=table_arn,
                        S3Bucket=bucket, **request)

    incremental = {"ExportType": "INCREMENTAL_EXPORT"}
    assert refused(**incremental)[0] == "ValidationException"  # no ExportFromTime
    assert refused(**incremental, IncrementalExportSpecification={
        "ExportFromTime": FROM, "ExportToTime": FROM + 600})[0] == "ValidationException"
    assert refused(**incremental, IncrementalExportSpecification={
        "ExportFromTime": FROM, "ExportToTime": FROM + 25 * 3600})[0] == "ValidationException"
    assert refused(**incremental, ExportTime=stamp(FROM), IncrementalExportSpecification={
        "ExportFromTime": FROM, "ExportToTime": TO})[0] == "ValidationException"
    assert refused(IncrementalExportSpecification={
        "ExportFromTime": FROM, "ExportToTime": TO})[0] == "ValidationException"
    assert refused(**incremental, IncrementalExportSpecification={
        "ExportFromTime": T0 - 3600, "ExportToTime": T0})[0] == "InvalidExportTimeException"
    assert refused(**incremental, IncrementalExportSpecification={
        "ExportFromTime": TO + 50, "ExportToTime": TO + 50 + 1800})[0] == \
        "InvalidExportTimeException"


@pytest.mark.parametrize("value, kept", [(1, {"deleted"}), (5, {"created"}), (3, {"modified"})])
def test_a_filter_sees_the_latest_image_or_a_deleted_items_old_one(clocked, s3, bucket, value,
                                                                   kept):
    _, table_arn = changed_table(clocked)
    client = clocked.client()
    started = client.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, S3Prefix="inc", ExportType="INCREMENTAL_EXPORT",
        IncrementalExportSpecification={"ExportFromTime": FROM, "ExportToTime": TO},
        FilterSpecification={"FilterExpression": "v = :v", "ProjectionExpression": "pk",
                             "ExpressionAttributeValues": {":v": {"N": str(value)}}})[
        "ExportDescription"]
    done = finished(client, started["ExportArn"])
    records = [orjson.loads(line) for line in data_lines(s3, bucket, done)[1]]
    assert {record["Keys"]["pk"]["S"] for record in records} == kept
    for record in records:  # images projected to pk alone
        assert all(set(record[image]) == {"pk"} for image in ("NewImage", "OldImage")
                   if image in record)

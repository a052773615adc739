"""ExportTableToPointInTime's FilterSpecification on full exports, against
moto's server as the S3 endpoint, over HTTP and embedded: a key condition
as Query's, a filter as Scan's, a projection, and the expressions' errors
answered when the export is asked for."""
from __future__ import annotations

import pytest
from support import error_of
from test_exports import exported_items, finished, table_with_pitr


@pytest.fixture
def filled(s3_dynamodb):
    """A PITR table (pk S, sk N) of 3 partitions x 10 items; its name and ARN."""
    name, table_arn = table_with_pitr(s3_dynamodb, range_type="N")
    for pk in ("a", "b", "c"):
        for sk in range(10):
            s3_dynamodb.put_item(TableName=name, Item={
                "pk": {"S": pk}, "sk": {"N": str(sk)}, "colour": {"S": "red" if sk % 2 else
                                                                   "blue"},
                "note": {"S": f"{pk}{sk}"}})
    return name, table_arn


def exported(client, s3, bucket: str, table_arn: str, spec: dict) -> list[dict]:
    started = client.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, FilterSpecification=spec)["ExportDescription"]
    assert started["FilterSpecification"]["FilterExpression" if "FilterExpression" in spec
                                          else "KeyConditionExpression"]
    done = finished(client, started["ExportArn"])
    assert done["ExportStatus"] == "COMPLETED", done
    items = exported_items(s3, bucket, done["ExportManifest"])
    assert done["ItemCount"] == len(items)
    return sorted(items, key=lambda item: (item["pk"]["S"], int(item.get("sk", {"N": "0"})[
        "N"])))


def test_key_condition_filter_and_projection(s3_dynamodb, s3, bucket, filled):
    _, table_arn = filled
    items = exported(s3_dynamodb, s3, bucket, table_arn, {
        "KeyConditionExpression": "pk = :p AND sk BETWEEN :low AND :high",
        "FilterExpression": "colour = :c", "ProjectionExpression": "pk, sk, #n",
        "ExpressionAttributeNames": {"#n": "note"},
        "ExpressionAttributeValues": {":p": {"S": "b"}, ":low": {"N": "2"}, ":high": {"N": "7"},
                                      ":c": {"S": "red"}}})
    assert items == [{"pk": {"S": "b"}, "sk": {"N": str(sk)}, "note": {"S": f"b{sk}"}}
                     for sk in (3, 5, 7)]


def test_a_filter_alone_may_name_key_attributes(s3_dynamodb, s3, bucket, filled):
    _, table_arn = filled
    items = exported(s3_dynamodb, s3, bucket, table_arn, {
        "FilterExpression": "sk >= :nine OR (pk = :a AND begins_with(note, :a0))",
        "ExpressionAttributeValues": {":nine": {"N": "9"}, ":a": {"S": "a"},
                                      ":a0": {"S": "a0"}}})
    assert [(item["pk"]["S"], item["sk"]["N"]) for item in items] == [
        ("a", "0"), ("a", "9"), ("b", "9"), ("c", "9")]
    assert set(items[0]) == {"pk", "sk", "colour", "note"}  # no projection: every attribute


def test_bad_filters_are_refused_when_asked(s3_dynamodb, bucket, filled):
    _, table_arn = filled

    def refused(**spec) -> tuple[str, str]:
        return error_of(s3_dynamodb.export_table_to_point_in_time, TableArn=table_arn,
                        S3Bucket=bucket, FilterSpecification=spec)

    values = {":p": {"S": "a"}, ":s": {"N": "1"}}
    assert refused(KeyConditionExpression="pk = :p", FilterExpression="sk = :s",
                   ExpressionAttributeValues=values) == (
        "ValidationException", "Filter Expression can only contain non-primary key attributes: "
                               "Primary key attribute: sk")
    code, _ = refused(KeyConditionExpression="colour = :p", ExpressionAttributeValues={
        ":p": {"S": "a"}})
    assert code == "ValidationException"
    code, message = refused(FilterExpression="colour = :c", ExpressionAttributeValues=values)
    assert code == "ValidationException" and "not defined" in message
    code, message = refused(FilterExpression="colour = :p", ExpressionAttributeValues=values)
    assert code == "ValidationException" and "unused" in message
    assert refused(FilterExpression="colour = = :c")[0] == "ValidationException"
    assert refused(ProjectionExpression="pk, pk")[0] == "ValidationException"

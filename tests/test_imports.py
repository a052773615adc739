"""ImportTable, DescribeImport and ListImports against moto's server as the
S3 endpoint (tests/s3_server.py): a round trip through an export, CSV and
gzipped inputs, bad lines counted and logged, the new table's indexes,
failures (the table never ACTIVE half imported) and AWS's errors."""
from __future__ import annotations

import gzip
import logging
import time

import orjson
import pytest
import support
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from s3_server import wait_for_status
from support import create_table, error_of, free_port, open_db, unique_name
from test_exports import finished, table_with_pitr

from dynalite_py.jobs import imports as import_job
from dynalite_py.jobs.sweeper import sweep

KEYED = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
         "BillingMode": "PAY_PER_REQUEST"}


def imported(client, arn: str) -> dict:
    return wait_for_status(
        lambda: client.describe_import(ImportArn=arn)["ImportTableDescription"], "ImportStatus")


def start(client, bucket_name: str, prefix: str, input_format: str = "DYNAMODB_JSON",
          table: dict | None = None, **extra) -> tuple[str, dict]:
    name = unique_name("imported")
    answer = client.import_table(
        S3BucketSource={"S3Bucket": bucket_name, "S3KeyPrefix": prefix},
        InputFormat=input_format,
        TableCreationParameters=dict(table or KEYED, TableName=name), **extra)
    return name, answer["ImportTableDescription"]


def scanned(client, name: str) -> dict:
    items = {}
    for page in client.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
        for item in page["Items"]:
            items[(item["pk"]["S"], item.get("sk", {}).get("N"))] = item
    return items


def lines(*items) -> bytes:
    return b"".join(orjson.dumps({"Item": item}) + b"\n" for item in items)


def test_round_trip_export_then_import(s3_dynamodb, s3, bucket):
    client = s3_dynamodb
    source, table_arn = table_with_pitr(client, range_type="N")
    written = {}
    with_batches = [{"PutRequest": {"Item": {
        "pk": {"S": f"p{i % 97}"}, "sk": {"N": str(i)}, "text": {"S": "x" * (i % 50)},
        "nums": {"NS": [str(i), str(i + 0.5)]}, "m": {"M": {"flag": {"BOOL": i % 2 == 0}}}}}}
        for i in range(3000)]
    for start_at in range(0, len(with_batches), 25):
        client.batch_write_item(RequestItems={source: with_batches[start_at:start_at + 25]})
    written = scanned(client, source)
    assert len(written) == 3000
    export = finished(client, client.export_table_to_point_in_time(
        TableArn=table_arn, S3Bucket=bucket, S3Prefix="round")["ExportDescription"]["ExportArn"])
    assert export["ExportStatus"] == "COMPLETED" and export["ItemCount"] == 3000
    data_prefix = export["ExportManifest"].rsplit("/", 1)[0] + "/data/"
    definition = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}],
                  "BillingMode": "PAY_PER_REQUEST"}
    name, started = start(client, bucket, data_prefix, table=definition,
                          InputCompressionType="GZIP")
    assert started["ImportStatus"] == "IN_PROGRESS"
    done = imported(client, started["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED", done
    assert done["ProcessedItemCount"] == done["ImportedItemCount"] == 3000
    assert done["ErrorCount"] == 0 and done["ProcessedSizeBytes"] > 0
    assert client.describe_table(TableName=name)["Table"]["ItemCount"] == 3000
    assert scanned(client, name) == written


def test_import_builds_the_new_tables_indexes(s3_dynamodb, s3, bucket):
    s3.put_object(Bucket=bucket, Key="gsi/part-1.json", Body=lines(
        {"pk": {"S": "a"}, "colour": {"S": "red"}}, {"pk": {"S": "b"}, "colour": {"S": "red"}},
        {"pk": {"S": "c"}, "colour": {"S": "blue"}}, {"pk": {"S": "d"}}))
    definition = dict(KEYED, AttributeDefinitions=KEYED["AttributeDefinitions"] + [
        {"AttributeName": "colour", "AttributeType": "S"}], GlobalSecondaryIndexes=[{
            "IndexName": "by-colour", "KeySchema": [{"AttributeName": "colour",
                                                     "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}])
    name, started = start(s3_dynamodb, bucket, "gsi/", table=definition)
    assert imported(s3_dynamodb, started["ImportArn"])["ImportStatus"] == "COMPLETED"
    table = s3_dynamodb.describe_table(TableName=name)["Table"]
    assert table["GlobalSecondaryIndexes"][0]["IndexName"] == "by-colour"
    reds = s3_dynamodb.query(TableName=name, IndexName="by-colour",
                             KeyConditionExpression="colour = :c",
                             ExpressionAttributeValues={":c": {"S": "red"}})["Items"]
    assert sorted(item["pk"]["S"] for item in reds) == ["a", "b"]


def test_csv_with_header_line_and_header_list(s3_dynamodb, s3, bucket):
    s3.put_object(Bucket=bucket, Key="csv1/data.csv", Body=b"pk,n,note\nk1,1,one\nk2,2,\n")
    s3.put_object(Bucket=bucket, Key="csv2/data.csv.gz", Body=gzip.compress(b"k3;x\nk4;y\n"))
    definition = dict(KEYED, AttributeDefinitions=[{"AttributeName": "pk",
                                                    "AttributeType": "S"}])
    name, started = start(s3_dynamodb, bucket, "csv1/", "CSV", table=definition)
    done = imported(s3_dynamodb, started["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED" and done["ImportedItemCount"] == 2
    assert scanned(s3_dynamodb, name) == {
        ("k1", None): {"pk": {"S": "k1"}, "n": {"S": "1"}, "note": {"S": "one"}},
        ("k2", None): {"pk": {"S": "k2"}, "n": {"S": "2"}}}
    name, started = start(s3_dynamodb, bucket, "csv2/", "CSV", table=definition,
                          InputCompressionType="GZIP",
                          InputFormatOptions={"Csv": {"Delimiter": ";",
                                                      "HeaderList": ["pk", "v"]}})
    done = imported(s3_dynamodb, started["ImportArn"])
    assert done["InputFormatOptions"]["Csv"]["Delimiter"] == ";"
    assert scanned(s3_dynamodb, name) == {("k3", None): {"pk": {"S": "k3"}, "v": {"S": "x"}},
                                          ("k4", None): {"pk": {"S": "k4"}, "v": {"S": "y"}}}


def test_bad_lines_are_counted_and_logged(s3_embedded_db, s3, bucket, caplog):
    client = s3_embedded_db.client()
    s3.put_object(Bucket=bucket, Key="bad/a.json", Body=lines({"pk": {"S": "good"}})
                  + b"this is not json\n" + lines({"pk": {"N": "1"}}, {"other": {"S": "x"}},
                                                 {"pk": {"S": "also-good"}}) + b"[1, 2]\n")
    with caplog.at_level(logging.WARNING, logger="dynalite_py"):
        name, started = start(client, bucket, "bad/")
        done = imported(client, started["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED"
    assert done["ProcessedItemCount"] == 6 and done["ImportedItemCount"] == 2
    assert done["ErrorCount"] == 4
    logged = [orjson.loads(record.getMessage().split(" ", 2)[2]) for record in caplog.records
              if record.getMessage().startswith("import error")]
    assert [entry["itemS3Pointer"]["itemIndex"] for entry in logged] == [1, 2, 3, 5]
    assert all(entry["importArn"] == started["ImportArn"] for entry in logged)
    assert "Type mismatch for key pk" in logged[1]["errorMessages"][0]
    assert set(scanned(client, name)) == {("good", None), ("also-good", None)}


def test_missing_bucket_fails_and_removes_the_table(s3_dynamodb):
    name, started = start(s3_dynamodb, "no-such-bucket-here", "")
    done = imported(s3_dynamodb, started["ImportArn"])
    assert done["ImportStatus"] == "FAILED" and done["FailureCode"] == "NoSuchBucket"
    support.wait_for(lambda: name not in s3_dynamodb.list_tables()["TableNames"])


def test_s3_endpoint_down_fails_the_import(tmp_path):
    with open_db(str(tmp_path), s3_endpoint=f"http://127.0.0.1:{free_port()}") as db:
        client = db.client()
        name, started = start(client, "some-bucket", "")
        done = imported(client, started["ImportArn"])
        assert done["ImportStatus"] == "FAILED" and done["FailureCode"] == "S3Unavailable"
        support.wait_for(lambda: name not in client.list_tables()["TableNames"])
        assert client.list_tables()  # the engine goes on answering


def test_the_table_is_not_usable_while_importing(s3_embedded_db, s3, bucket, monkeypatch):
    client = s3_embedded_db.client()
    s3.put_object(Bucket=bucket, Key="slow/a.json", Body=lines({"pk": {"S": "x"}}))
    real = import_job._write_batch
    release = []

    def held(engine, lease, record, batch, progress, last):
        while not release:
            time.sleep(0.01)
        real(engine, lease, record, batch, progress, last)
    monkeypatch.setattr(import_job, "_write_batch", held)
    name, started = start(client, bucket, "slow/")
    assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "CREATING"
    assert error_of(client.put_item, TableName=name, Item={"pk": {"S": "y"}})[0] == \
        "ResourceNotFoundException"
    release.append(True)
    assert imported(client, started["ImportArn"])["ImportStatus"] == "COMPLETED"
    client.get_waiter("table_exists").wait(TableName=name)


def test_an_interrupted_import_resumes_after_a_restart(tmp_path, s3_endpoint, s3, bucket,
                                                       monkeypatch):
    """Stopped after its first batch (as if killed there): the reopened
    engine goes on from the stored position and imports every line once."""
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing after close")
    written = {}
    for part in range(3):
        items = [{"pk": {"S": f"p{part}-{i}"}, "v": {"N": str(i)}} for i in range(400)]
        written.update((item["pk"]["S"], item) for item in items)
        s3.put_object(Bucket=bucket, Key=f"cut/part-{part}.json",
                      Body=lines(*items) + b"not json\n")
    size = sum(entry["Size"] for entry in s3.list_objects_v2(
        Bucket=bucket, Prefix="cut/")["Contents"])
    calls = support.stop_after_first_call(monkeypatch, import_job, "_write_batch",
                                          import_job._Stopped)
    db = open_db(str(tmp_path), s3_endpoint=s3_endpoint)
    name, started = start(db.client(), bucket, "cut/")
    support.wait_for(lambda: len(calls) > 1)
    db.close()
    monkeypatch.undo()
    with open_db(str(tmp_path), s3_endpoint=s3_endpoint) as db:
        client = db.client()
        halfway = client.describe_import(ImportArn=started["ImportArn"])["ImportTableDescription"]
        assert halfway["ImportStatus"] == "IN_PROGRESS"
        assert halfway["ImportedItemCount"] == import_job.WRITE_BATCH
        sweep(db.engine)
        done = imported(client, started["ImportArn"])
        assert done["ImportStatus"] == "COMPLETED", done
        assert done["ImportedItemCount"] == 1200 and done["ErrorCount"] == 3
        assert done["ProcessedItemCount"] == 1203 and done["ProcessedSizeBytes"] == size
        assert client.describe_table(TableName=name)["Table"]["ItemCount"] == 1200
        assert {key[0]: item for key, item in scanned(client, name).items()} == written


def test_ion_import_maps_aws_types(s3_dynamodb, s3, bucket):
    body = (b'$ion_1_0 {Item:{pk:"a",n:6d2,i:5,f:1.5e0,price:2.50,s:$dynamodb_SS::["x","y"],'
            b'ns:$dynamodb_NS::[1.,2d1],bs:$dynamodb_BS::[{{aGk=}}],b:{{aGk=}},t:true,'
            b'z:null.string,l:["q",{inner:"r"}],m:{k:"v"}}}\n'
            b'$ion_1_0\n'
            b'$ion_1_0 {Item:{pk:"b", when:2020-01-01T}}\n'
            b'$ion_1_0 {Item:{pk:"c"}} this is not ion {\n'
            b'$ion_1_0 {NotItem:{pk:"d"}}\n')
    s3.put_object(Bucket=bucket, Key="ion/a.ion", Body=body)
    name, started = start(s3_dynamodb, bucket, "ion/", "ION")
    done = imported(s3_dynamodb, started["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED" and done["InputFormat"] == "ION"
    assert done["ImportedItemCount"] == 1 and done["ErrorCount"] == 3
    [item] = scanned(s3_dynamodb, name).values()
    assert item == {"pk": {"S": "a"}, "n": {"N": "600"}, "i": {"N": "5"}, "f": {"N": "1.5"},
                    "price": {"N": "2.5"}, "s": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "20"]},
                    "bs": {"BS": [b"hi"]}, "b": {"B": b"hi"}, "t": {"BOOL": True},
                    "z": {"NULL": True}, "l": {"L": [{"S": "q"}, {"M": {"inner": {"S": "r"}}}]},
                    "m": {"M": {"k": {"S": "v"}}}}


@pytest.mark.parametrize("input_format", ["DYNAMODB_JSON", "CSV"])
def test_zstd_objects_of_one_or_several_frames(s3_dynamodb, s3, bucket, input_format):
    prefix = unique_name("zstd") + "/"
    if input_format == "CSV":
        first, second = b"pk,v\nk1,one\n", b"k2,two\n"
    else:
        first, second = lines({"pk": {"S": "k1"}, "v": {"S": "one"}}), lines(
            {"pk": {"S": "k2"}, "v": {"S": "two"}})
    # two frames, neither recording its size (as streaming compressors write them)
    compressor = zstandard.ZstdCompressor(write_content_size=False)
    s3.put_object(Bucket=bucket, Key=prefix + "a.zst",
                  Body=compressor.compress(first) + compressor.compress(second))
    name, started = start(s3_dynamodb, bucket, prefix, input_format,
                          InputCompressionType="ZSTD")
    done = imported(s3_dynamodb, started["ImportArn"])
    assert done["ImportStatus"] == "COMPLETED" and done["InputCompressionType"] == "ZSTD"
    assert scanned(s3_dynamodb, name) == {
        ("k1", None): {"pk": {"S": "k1"}, "v": {"S": "one"}},
        ("k2", None): {"pk": {"S": "k2"}, "v": {"S": "two"}}}


def test_an_object_that_is_not_zstd_is_counted_as_bad(s3_dynamodb, s3, bucket):
    prefix = unique_name("notzstd") + "/"
    s3.put_object(Bucket=bucket, Key=prefix + "a.zst", Body=lines({"pk": {"S": "k1"}}))
    name, started = start(s3_dynamodb, bucket, prefix, InputCompressionType="ZSTD")
    done = imported(s3_dynamodb, started["ImportArn"])
    assert done["ImportStatus"] == "FAILED", done
    assert done["FailureCode"] == "InvalidCompression"
    support.wait_for(lambda: name not in s3_dynamodb.list_tables()["TableNames"])


def test_list_imports_by_table_and_in_pages(s3_dynamodb, s3, bucket):
    s3.put_object(Bucket=bucket, Key="few/a.json", Body=lines({"pk": {"S": "x"}}))
    arns = [start(s3_dynamodb, bucket, "few/")[1]["ImportArn"] for _ in range(3)]
    for arn in arns:
        imported(s3_dynamodb, arn)
    listed, token = [], None
    while True:
        page = s3_dynamodb.list_imports(PageSize=1, **({"NextToken": token} if token else {}))
        listed.extend(summary["ImportArn"] for summary in page["ImportSummaryList"])
        token = page.get("NextToken")
        if token is None:
            break
    assert [arn for arn in listed if arn in arns] == arns
    table_arn = arns[1].split("/import/")[0]
    only = s3_dynamodb.list_imports(TableArn=table_arn)["ImportSummaryList"]
    assert [summary["ImportArn"] for summary in only] == [arns[1]]
    assert only[0]["ImportStatus"] == "COMPLETED" and only[0]["InputFormat"] == "DYNAMODB_JSON"


def test_import_errors(s3_dynamodb, bucket):
    client = s3_dynamodb
    existing = create_table(client)
    assert error_of(client.import_table, S3BucketSource={"S3Bucket": bucket},
                    InputFormat="CSV", TableCreationParameters=dict(KEYED, TableName=existing)
                    ) == ("ResourceInUseException", f"Table already exists: {existing}")
    assert error_of(client.import_table, S3BucketSource={"S3Bucket": bucket},
                    TableCreationParameters=dict(KEYED, TableName=unique_name()),
                    InputFormat="XML")[0] == "ValidationException"
    code, message = error_of(client.import_table, S3BucketSource={"S3Bucket": "bad bucket!"},
                             InputFormat="CSV",
                             TableCreationParameters=dict(KEYED, TableName=unique_name()))
    assert code == "ValidationException"
    assert error_of(client.import_table, S3BucketSource={"S3Bucket": bucket}, InputFormat="CSV",
                    TableCreationParameters=dict(KEYED, TableName=unique_name(),
                                                 KeySchema=[{"AttributeName": "missing",
                                                             "KeyType": "HASH"}])
                    )[0] == "ValidationException"
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/abc/import/01700000000000-abcdef12"
    assert error_of(client.describe_import, ImportArn=arn) == (
        "ImportNotFoundException", f"Import not found: {arn}")
    assert error_of(client.describe_import, ImportArn="arn:aws:dynamodb:us-east-1:"
                    "000000000000:table/abc/import/what")[0] == "ValidationException"
    assert error_of(client.list_imports, NextToken="0" * 112)[0] == "ValidationException"
    assert error_of(client.list_imports, TableArn="no-arn")[0] == "ValidationException"


def test_client_token_answers_the_same_import(s3_dynamodb, s3, bucket):
    s3.put_object(Bucket=bucket, Key="tok/a.json", Body=lines({"pk": {"S": "x"}}))
    name = unique_name("imported")
    request = {"S3BucketSource": {"S3Bucket": bucket, "S3KeyPrefix": "tok/"},
               "InputFormat": "DYNAMODB_JSON", "ClientToken": unique_name("token"),
               "TableCreationParameters": dict(KEYED, TableName=name)}
    first = s3_dynamodb.import_table(**request)["ImportTableDescription"]
    again = s3_dynamodb.import_table(**request)["ImportTableDescription"]
    assert first["ImportArn"] == again["ImportArn"]


def test_strings_holding_line_separators(s3_embedded_db, s3, bucket):
    client = s3_embedded_db.client()
    odd = {"pk": {"S": "a\u2028b"}, "v": {"S": "c\x1cd\u0085e\re"}}
    s3.put_object(Bucket=bucket, Key="odd/a.json", Body=lines(odd))
    name, started = start(client, bucket, "odd/")
    assert imported(client, started["ImportArn"])["ErrorCount"] == 0
    assert list(scanned(client, name).values()) == [odd]


_names = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
_values = st.one_of(st.builds(lambda s: {"S": s}, st.text(min_size=1, max_size=8)),
                    st.builds(lambda n: {"N": str(n)}, st.integers(-10**6, 10**6)),
                    st.builds(lambda b: {"BOOL": b}, st.booleans()))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.dictionaries(st.text(alphabet="xyz0123", min_size=1, max_size=5),
                             st.dictionaries(_names, _values, max_size=4), max_size=30))
def test_any_items_import_as_written(s3_embedded_db, s3, bucket, items):
    client = s3_embedded_db.client()
    prefix = unique_name("prop") + "/"
    written = {key: dict(attributes, pk={"S": key}) for key, attributes in items.items()}
    s3.put_object(Bucket=bucket, Key=prefix + "a.json", Body=lines(*written.values()))
    name, started = start(client, bucket, prefix)
    done = imported(client, started["ImportArn"])
    assert done["ImportedItemCount"] == len(written) and done["ErrorCount"] == 0
    assert {key[0]: item for key, item in scanned(client, name).items()} == written

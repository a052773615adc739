"""`dynalite-py load` / `dump` (DynamoDB JSON lines, plain JSON, CSV; on a
data directory or a running server) and `serve --seed DIR`."""
from __future__ import annotations

import base64
import csv
import io
import json
import subprocess
import sys
from decimal import Decimal

import pytest
import support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import create_table, http_client, start_server

from server import dataio, seed

CLI = [sys.executable, "-m", "server.cli"]
ITEMS = [
    {"pk": {"S": "ada"}, "age": {"N": "36"}, "tags": {"SS": ["math", "poetry"]},
     "photo": {"B": base64.b64encode(b"\x00\xffpng").decode()}, "active": {"BOOL": True},
     "address": {"M": {"city": {"S": "London"}, "zip": {"S": "007"}}},
     "scores": {"L": [{"N": "1.5"}, {"NULL": True}]}},
    {"pk": {"S": "grace"}, "age": {"N": "12345678901234567890123456789012345678"}},
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process, url = start_server(str(tmp_path_factory.mktemp("dataio-server")))
    yield url
    process.terminate()
    process.wait(10)


def run_cli(*arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *arguments], input=stdin, capture_output=True, text=True,
                          timeout=120)


def table_on(url: str, **extra) -> str:
    return create_table(http_client(url), **extra)


def scanned(url: str, table: str) -> list[dict]:
    items = http_client(url).scan(TableName=table)["Items"]
    return sorted(items, key=lambda item: item["pk"]["S"])


def as_wire(items: list[dict]) -> list[dict]:
    """Items as boto3 returns them, with binary back to base64 (the wire)."""
    return [dataio.binary_as(item, lambda raw: base64.b64encode(raw).decode()) for item in items]


def test_dynamodb_json_round_trips_losslessly_through_a_server(server, tmp_path):
    source = table_on(server)
    http_client(server).batch_write_item(RequestItems={source: [
        {"PutRequest": {"Item": dataio.binary_as(item, base64.b64decode)}} for item in ITEMS]})
    dumped = tmp_path / "items.jsonl"
    result = run_cli("dump", source, "--endpoint-url", server, "-o", str(dumped))
    assert result.returncode == 0, result.stderr
    assert f"dumped 2 items of {source}" in result.stderr
    lines = [json.loads(line) for line in dumped.read_text().splitlines()]
    assert all(set(line) == {"Item"} for line in lines)
    target = table_on(server)
    result = run_cli("load", target, str(dumped), "--endpoint-url", server)
    assert result.returncode == 0, result.stderr
    assert as_wire(scanned(server, target)) == as_wire(scanned(server, source))
    assert as_wire(scanned(server, target))[1]["age"] == {"N": ITEMS[1]["age"]["N"]}


def test_load_and_dump_on_a_data_directory(tmp_path):
    data = tmp_path / "data"
    with support.open_db(str(data)) as db:
        create_table(db.client(), TableName="people")
    store = support.store_location(str(data))
    if support.BACKEND == "memory":
        pytest.skip("a memory store lives in one process")
    where = ["--store", store] if store != str(data) else ["--data-dir", str(data)]
    lines = "\n".join(json.dumps(item) for item in ITEMS) + "\n"
    loaded = run_cli("load", "people", "-", *where, stdin=lines)
    assert loaded.returncode == 0, loaded.stderr
    dumped = run_cli("dump", "people", *where)
    assert dumped.returncode == 0, dumped.stderr
    got = sorted((json.loads(line)["Item"] for line in dumped.stdout.splitlines()),
                 key=lambda item: item["pk"]["S"])
    assert got == ITEMS


def test_plain_json_uses_boto3s_type_conversion(server, tmp_path):
    table = table_on(server)
    plain = tmp_path / "people.json"
    plain.write_text('{"pk": "ada", "age": 36, "ratio": 0.25, "tags": ["a", "b"], '
                     '"nested": {"ok": true, "none": null}}\n')
    result = run_cli("load", table, str(plain), "--endpoint-url", server)
    assert result.returncode == 0, result.stderr
    item = scanned(server, table)[0]
    assert item["age"] == {"N": "36"} and item["ratio"] == {"N": "0.25"}
    assert item["tags"] == {"L": [{"S": "a"}, {"S": "b"}]}
    assert item["nested"] == {"M": {"ok": {"BOOL": True}, "none": {"NULL": True}}}
    result = run_cli("dump", table, "--endpoint-url", server, "--format", "json")
    assert json.loads(result.stdout) == {"pk": "ada", "age": 36, "ratio": 0.25,
                                         "tags": ["a", "b"], "nested": {"ok": True, "none": None}}


def test_csv_types_keys_by_the_table_and_the_rest_as_strings(server, tmp_path):
    table = table_on(server, hash_type="N")
    rows = tmp_path / "rows.csv"
    rows.write_text("pk,name,zip,empty\n1,Ada,007,\n2,\"Grace, Hopper\",10001,\n")
    result = run_cli("load", table, str(rows), "--endpoint-url", server)
    assert result.returncode == 0, result.stderr
    items = sorted(http_client(server).scan(TableName=table)["Items"],
                   key=lambda item: int(item["pk"]["N"]))
    assert items == [{"pk": {"N": "1"}, "name": {"S": "Ada"}, "zip": {"S": "007"}},
                     {"pk": {"N": "2"}, "name": {"S": "Grace, Hopper"}, "zip": {"S": "10001"}}]
    dumped = run_cli("dump", table, "--endpoint-url", server, "--format", "csv")
    read = list(csv.DictReader(io.StringIO(dumped.stdout)))
    assert list(read[0]) == ["pk", "name", "zip"]  # keys first, then by name
    assert sorted(row["name"] for row in read) == ["Ada", "Grace, Hopper"]


def test_errors_are_one_line_and_exit_1(server, tmp_path):
    missing = run_cli("dump", "no-such-table", "--endpoint-url", server)
    assert missing.returncode == 1
    assert missing.stderr.strip() == \
        "dynalite-py: Requested resource not found: Table: no-such-table not found"
    table = table_on(server)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"pk": {"S": "a"}}\nnot json\n')
    result = run_cli("load", table, str(bad), "--endpoint-url", server)
    assert result.returncode == 1
    assert result.stderr.startswith("dynalite-py: line 2 is not JSON")
    assert "Traceback" not in result.stderr
    nowhere = run_cli("dump", "t", "--data-dir", str(tmp_path / "absent"))
    assert nowhere.returncode == 1 and "no data directory at" in nowhere.stderr


def test_progress_is_reported_on_long_work(monkeypatch, capsys):
    monkeypatch.setattr(dataio, "PROGRESS_SECONDS", 0.0)
    with support.open_db() as db:
        table = create_table(db.client())
        count = dataio.write_items(db.call, table, ({"pk": {"S": str(n)}} for n in range(60)))
    assert count == 60
    assert f"loaded 50 items of {table}" in capsys.readouterr().err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda name: name != "pk"),
                       st.one_of(st.text(max_size=20), st.booleans(), st.none(),
                                 st.integers(-10**30, 10**30),
                                 st.lists(st.text(max_size=5), max_size=3)), max_size=5))
def test_plain_json_lines_survive_a_round_trip(attributes):
    record = {"pk": "key", **attributes}
    item = next(dataio.read_items(io.StringIO(json.dumps(record)), "json", {}))
    assert json.loads(dataio.item_line(item, "json")) == record


# Seeding --------------------------------------------------------------------
CREATE_TABLE = {"TableName": "orders", "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}}
CLOUDFORMATION = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
    "UsersTable": {"Type": "AWS::DynamoDB::Table", "Properties": {
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "StreamSpecification": {"StreamViewType": "KEYS_ONLY"},
        "TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}},
    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
WORKBENCH = {"ModelName": "shop", "DataModel": [{
    "TableName": "products",
    "KeyAttributes": {"PartitionKey": {"AttributeName": "sku", "AttributeType": "S"},
                      "SortKey": {"AttributeName": "version", "AttributeType": "N"}},
    "NonKeyAttributes": [{"AttributeName": "category", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by-category", "KeyAttributes": {
        "PartitionKey": {"AttributeName": "category", "AttributeType": "S"}},
        "Projection": {"ProjectionType": "ALL"}}],
    "TableData": [{"sku": {"S": "p1"}, "version": {"N": "1"}, "category": {"S": "tea"}}],
    "BillingMode": "PAY_PER_REQUEST"}]}


def seed_directory(tmp_path):
    directory = tmp_path / "seed"
    directory.mkdir()
    (directory / "orders.json").write_text(json.dumps(CREATE_TABLE))
    (directory / "orders.jsonl").write_text(json.dumps({"Item": {"pk": {"S": "o-1"}}}) + "\n")
    (directory / "template.json").write_text(json.dumps(CLOUDFORMATION))
    (directory / "UsersTable.csv").write_text("id,name\nu-1,Ada\n")
    (directory / "workbench.json").write_text(json.dumps(WORKBENCH))
    return directory


def test_serve_seed_creates_tables_and_loads_items(tmp_path):
    directory = seed_directory(tmp_path)
    process, url = start_server(str(tmp_path / "data"), "--seed", str(directory))
    try:
        client = http_client(url)
        assert sorted(client.list_tables()["TableNames"]) == ["UsersTable", "orders", "products"]
        assert client.get_item(TableName="orders", Key={"pk": {"S": "o-1"}})["Item"]
        users = client.describe_table(TableName="UsersTable")["Table"]
        assert users["StreamSpecification"] == {"StreamEnabled": True,
                                                "StreamViewType": "KEYS_ONLY"}
        assert client.describe_time_to_live(TableName="UsersTable")[
            "TimeToLiveDescription"]["AttributeName"] == "expires"
        assert client.get_item(TableName="UsersTable", Key={"id": {"S": "u-1"}})["Item"][
            "name"] == {"S": "Ada"}
        products = client.describe_table(TableName="products")["Table"]
        assert [index["IndexName"] for index in products["GlobalSecondaryIndexes"]] == \
            ["by-category"]
        found = client.query(TableName="products", IndexName="by-category",
                             KeyConditionExpression="category = :c",
                             ExpressionAttributeValues={":c": {"S": "tea"}})["Items"]
        assert found[0]["sku"] == {"S": "p1"}
        client.put_item(TableName="orders", Item={"pk": {"S": "o-1"}, "changed": {"BOOL": True}})
    finally:
        process.terminate()
        process.wait(10)
    if support.BACKEND == "memory":
        return
    process, url = start_server(str(tmp_path / "data"), "--seed", str(directory))
    try:  # a restart leaves the kept tables as they are
        item = http_client(url).get_item(TableName="orders", Key={"pk": {"S": "o-1"}})["Item"]
        assert item["changed"] == {"BOOL": True}
    finally:
        process.terminate()
        process.wait(10)


def test_a_bad_seed_is_one_line_and_exit_1(tmp_path):
    directory = tmp_path / "seed"
    directory.mkdir()
    (directory / "broken.json").write_text(json.dumps({"TableName": "x", "KeySchema": []}))
    data = str(tmp_path / "data")
    backend = {"lmdb": [], "memory": ["--in-memory"],
               "postgres": ["--store", support.store_location(data)]}[support.BACKEND]
    result = run_cli("serve", "--port", str(support.free_port()), "--data-dir", data,
                     *backend, "--seed", str(directory))
    assert result.returncode == 1
    assert result.stderr.strip().startswith("dynalite-py: seed: cannot create table x: ")
    assert "Traceback" not in result.stderr


def test_seed_definitions_from_each_form(tmp_path):
    directory = seed_directory(tmp_path)
    (orders, _), = seed.table_definitions(str(directory / "orders.json"))
    assert orders == CREATE_TABLE
    (users, _), = seed.table_definitions(str(directory / "template.json"))
    assert users["TableName"] == "UsersTable" and "PointInTimeRecoverySpecification" not in users
    (products, data), = seed.table_definitions(str(directory / "workbench.json"))
    assert products["KeySchema"] == [{"AttributeName": "sku", "KeyType": "HASH"},
                                     {"AttributeName": "version", "KeyType": "RANGE"}]
    assert {d["AttributeName"] for d in products["AttributeDefinitions"]} == \
        {"sku", "version", "category"}
    assert data == WORKBENCH["DataModel"][0]["TableData"]
    (directory / "junk.json").write_text("[1, 2]")
    with pytest.raises(seed.SeedError, match="neither CreateTable requests"):
        seed.table_definitions(str(directory / "junk.json"))


def test_decimal_numbers_keep_their_digits_in_dynamodb_json():
    line = dataio.item_line({"n": {"N": "0.1000000000000000000000000000000000001"}},
                            "dynamodb-json")
    assert json.loads(line, parse_float=Decimal) == \
        {"Item": {"n": {"N": "0.1000000000000000000000000000000000001"}}}

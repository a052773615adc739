"""The AWS CLI (v1, from PyPI, in a venv of its own under .compat/) against
our server: create-table, `wait table-exists`, put-item, get-item, query,
scan paginated by --page-size, and dynamodbstreams list-streams /
get-shard-iterator / get-records. Store-independent, so run once."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
from compat_tools import aws_cli
from support import unique_name

pytestmark = pytest.mark.lmdb_only("drives the server over HTTP; the store under it is not tested")


@pytest.fixture
def aws(server_url, tmp_path):
    """Run `aws SERVICE COMMAND ...` against the server; its JSON output."""
    command = aws_cli()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "AWS_ACCESS_KEY_ID": "any", "AWS_SECRET_ACCESS_KEY": "any",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
           "AWS_SHARED_CREDENTIALS_FILE": os.devnull}

    def run(*arguments: str) -> dict:
        done = subprocess.run([str(command), *arguments, "--endpoint-url", server_url,
                               "--output", "json"], capture_output=True, text=True,
                              env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}
    return run


def test_tables_items_queries_and_paginated_scans(aws):
    table = unique_name("cli")
    created = aws("dynamodb", "create-table", "--table-name", table,
                  "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                  "AttributeName=sk,AttributeType=N",
                  "--key-schema", "AttributeName=pk,KeyType=HASH",
                  "AttributeName=sk,KeyType=RANGE", "--billing-mode", "PAY_PER_REQUEST",
                  "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_IMAGE")
    assert created["TableDescription"]["TableName"] == table
    aws("dynamodb", "wait", "table-exists", "--table-name", table)
    for number in range(7):
        aws("dynamodb", "put-item", "--table-name", table, "--item",
            json.dumps({"pk": {"S": "p"}, "sk": {"N": str(number)}, "n": {"S": f"item {number}"}}))
    got = aws("dynamodb", "get-item", "--table-name", table, "--key",
              json.dumps({"pk": {"S": "p"}, "sk": {"N": "3"}}), "--consistent-read")
    assert got["Item"]["n"] == {"S": "item 3"}
    queried = aws("dynamodb", "query", "--table-name", table,
                  "--key-condition-expression", "pk = :p AND sk > :low",
                  "--expression-attribute-values", json.dumps({":p": {"S": "p"},
                                                               ":low": {"N": "4"}}))
    assert [item["sk"]["N"] for item in queried["Items"]] == ["5", "6"]
    # --page-size 2: the CLI follows LastEvaluatedKey over 4 requests and merges them
    scanned = aws("dynamodb", "scan", "--table-name", table, "--page-size", "2")
    assert sorted(int(item["sk"]["N"]) for item in scanned["Items"]) == list(range(7))
    assert scanned["Count"] == 7 and scanned["ScannedCount"] == 7
    first = aws("dynamodb", "scan", "--table-name", table, "--max-items", "3",
                "--page-size", "2")
    assert len(first["Items"]) == 3 and first["NextToken"]
    rest = aws("dynamodb", "scan", "--table-name", table, "--starting-token",
               first["NextToken"], "--page-size", "2")
    assert len(rest["Items"]) == 4


def test_streams_list_and_get_records(aws):
    table = unique_name("clistream")
    aws("dynamodb", "create-table", "--table-name", table,
        "--attribute-definitions", "AttributeName=pk,AttributeType=S",
        "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
        "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
    aws("dynamodb", "wait", "table-exists", "--table-name", table)
    aws("dynamodb", "put-item", "--table-name", table, "--item", '{"pk": {"S": "a"}}')
    aws("dynamodb", "delete-item", "--table-name", table, "--key", '{"pk": {"S": "a"}}')
    streams = aws("dynamodbstreams", "list-streams", "--table-name", table)["Streams"]
    assert [stream["TableName"] for stream in streams] == [table]
    arn = streams[0]["StreamArn"]
    shards = aws("dynamodbstreams", "describe-stream", "--stream-arn",
                 arn)["StreamDescription"]["Shards"]
    iterator = aws("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn,
                   "--shard-id", shards[0]["ShardId"],
                   "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
    records = aws("dynamodbstreams", "get-records", "--shard-iterator", iterator)["Records"]
    assert [record["eventName"] for record in records] == ["INSERT", "REMOVE"]
    assert records[1]["dynamodb"]["OldImage"] == {"pk": {"S": "a"}}

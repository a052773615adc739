"""The embedded API: dynalite_py.open, Database.call, clients and resources."""
from __future__ import annotations

import os

import pytest
from support import open_db

from dynalite_py import DynamoError

KEYS = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST"}


def test_call_raises_typed_errors():
    with open_db() as db:
        with pytest.raises(DynamoError) as info:
            db.call("DescribeTable", {"TableName": "missing"})
        assert info.value.name == "ResourceNotFoundException"
        assert info.value.status == 400
        assert info.value.message == "Requested resource not found: Table: missing not found"


def test_temporary_directory_is_removed_on_close():
    db = open_db()
    path = db.path
    assert os.path.isdir(path)
    db.close()
    assert not os.path.exists(path)


@pytest.mark.lmdb_only("data kept across opens")
def test_data_persists_across_open(tmp_path):
    with open_db(str(tmp_path)) as db:
        db.call("CreateTable", {"TableName": "tbl", **KEYS})
        db.client().get_waiter("table_exists").wait(TableName="tbl", WaiterConfig={"Delay": 0.01})
        db.resource().Table("tbl").put_item(Item={"pk": "a", "n": 1})
    with open_db(str(tmp_path)) as db:
        assert db.resource().Table("tbl").get_item(Key={"pk": "a"})["Item"] == {"pk": "a", "n": 1}


def test_settings_from_arguments_and_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNALITE_REGION", "eu-west-1")
    with open_db(str(tmp_path), table_status_delay=0.0) as db:
        assert db.config.region == "eu-west-1"
        created = db.call("CreateTable", {"TableName": "tbl", **KEYS})
        assert created["TableDescription"]["TableArn"].startswith("arn:aws:dynamodb:eu-west-1:")
        assert db.client().meta.region_name == "eu-west-1"


def test_embedded_and_http_answer_alike(client, embedded_db, server_url):
    """The same bad request gives the same error through both transports."""
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as info:
        client.create_table(TableName="ab", BillingMode="PAY_PER_REQUEST",
                            KeySchema=KEYS["KeySchema"],
                            AttributeDefinitions=KEYS["AttributeDefinitions"])
    error = info.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "Member must have length greater than or equal to 3" in error["Message"]


def test_memory_backend_keeps_nothing_after_close():
    import dynalite_py
    with dynalite_py.open(":memory:", table_status_delay=0.0) as db:
        client = db.client()
        client.create_table(TableName="memory", BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        client.put_item(TableName="memory", Item={"pk": {"S": "a"}})
        assert client.get_item(TableName="memory", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
    with dynalite_py.open(":memory:") as db:
        assert db.client().list_tables()["TableNames"] == []

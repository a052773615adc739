"""A write that loses to concurrent writes on every retry (the store's
Conflict, which the PostgreSQL backend raises on serialization failures)
gets DynamoDB's retryable error for its operation, never a 500."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from support import NO_RETRIES, create_table

from dynalite_py.storage.interface import Conflict


@pytest.fixture
def losing(embedded_db, monkeypatch):
    """A client whose writes always conflict (tables are made before)."""
    client = embedded_db.client(config=NO_RETRIES)
    name = create_table(client)

    def conflicting(work):
        raise Conflict()
    monkeypatch.setattr(embedded_db.engine.store, "write", conflicting)
    return client, name


def error_of(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


def test_an_item_write_gets_transaction_conflict(losing):
    client, name = losing
    response = error_of(lambda: client.put_item(TableName=name, Item={"pk": {"S": "a"}}))
    assert response["Error"]["Code"] == "TransactionConflictException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_transaction_is_cancelled_for_a_conflict(losing):
    client, name = losing
    response = error_of(lambda: client.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": {"S": "a"}}}},
        {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}}}}]))
    assert response["Error"]["Code"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in response["CancellationReasons"]] == [
        "TransactionConflict"] * 2


def test_a_control_plane_write_is_throttled(losing):
    client, _ = losing
    response = error_of(lambda: client.create_table(
        TableName="conflicting", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}]))
    assert response["Error"]["Code"] == "ThrottlingException"

"""TransactGetItems (and TransactWriteItems with the expression work)."""
from __future__ import annotations

import copy

import pytest
from botocore.exceptions import ClientError
from support import NO_RETRIES, create_table, open_db


def test_transact_get_items_reads_one_snapshot_at_double_cost(client):
    first, second = create_table(client), create_table(client)
    client.put_item(TableName=first, Item={"pk": {"S": "a"}, "v": {"N": "1"}, "w": {"S": "x"}})
    client.put_item(TableName=second, Item={"pk": {"S": "b"}, "v": {"N": "2"}})
    response = client.transact_get_items(TransactItems=[
        {"Get": {"TableName": first, "Key": {"pk": {"S": "a"}}, "ProjectionExpression": "v"}},
        {"Get": {"TableName": second, "Key": {"pk": {"S": "b"}}}},
        {"Get": {"TableName": second, "Key": {"pk": {"S": "missing"}}}},
    ], ReturnConsumedCapacity="TOTAL")
    assert response["Responses"] == [{"Item": {"v": {"N": "1"}}},
                                     {"Item": {"pk": {"S": "b"}, "v": {"N": "2"}}}, {}]
    assert {c["TableName"]: (c["CapacityUnits"], c["ReadCapacityUnits"])
            for c in response["ConsumedCapacity"]} == {first: (2.0, 2.0), second: (4.0, 4.0)}


def test_transact_get_items_errors(client, table):
    with pytest.raises(ClientError) as info:
        client.transact_get_items(TransactItems=[
            {"Get": {"TableName": table, "Key": {"pk": {"S": "a"}}}},
            {"Get": {"TableName": table, "Key": {"wrong": {"S": "a"}}}}])
    error = info.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert error["Error"]["Message"] == ("Transaction cancelled, please refer cancellation "
                                         "reasons for specific reasons [None, ValidationError]")
    assert [r["Code"] for r in error["CancellationReasons"]] == ["None", "ValidationError"]
    with pytest.raises(ClientError) as info:
        client.transact_get_items(TransactItems=[
            {"Get": {"TableName": table, "Key": {"pk": {"S": "a"}}}},
            {"Get": {"TableName": table, "Key": {"pk": {"S": "a"}}}}])
    assert info.value.response["Error"]["Message"] == (
        "Transaction request cannot include multiple operations on one item")
    with pytest.raises(ClientError) as info:
        client.transact_get_items(TransactItems=[
            {"Get": {"TableName": "no-such-table", "Key": {"pk": {"S": "a"}}}}])
    assert info.value.response["Error"] == {"Code": "ResourceNotFoundException",
                                            "Message": "Requested resource not found"}


def _balance(client, table, key):
    item = client.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True)
    return item.get("Item")


def _transfer(table, source, target, amount):
    value = {":x": {"N": str(amount)}}
    return [
        {"Update": {"TableName": table, "Key": {"pk": {"S": source}},
                    "UpdateExpression": "SET bal = bal - :x", "ConditionExpression": "bal >= :x",
                    "ExpressionAttributeValues": value}},
        {"Update": {"TableName": table, "Key": {"pk": {"S": target}},
                    "UpdateExpression": "SET bal = bal + :x", "ExpressionAttributeValues": value}},
    ]


def test_transact_write_items_applies_every_kind_at_double_cost(client):
    first, second = create_table(client), create_table(client)
    client.put_item(TableName=first, Item={"pk": {"S": "a"}, "bal": {"N": "10"}})
    client.put_item(TableName=first, Item={"pk": {"S": "b"}, "bal": {"N": "0"}})
    client.put_item(TableName=second, Item={"pk": {"S": "gone"}})
    client.put_item(TableName=second, Item={"pk": {"S": "guard"}, "open": {"BOOL": True}})
    response = client.transact_write_items(TransactItems=[
        *_transfer(first, "a", "b", 4),
        {"Put": {"TableName": second, "Item": {"pk": {"S": "new"}, "v": {"S": "x" * 1500}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Delete": {"TableName": second, "Key": {"pk": {"S": "gone"}}}},
        {"ConditionCheck": {"TableName": second, "Key": {"pk": {"S": "guard"}},
                            "ConditionExpression": "#o = :t", "ExpressionAttributeNames": {
                                "#o": "open"}, "ExpressionAttributeValues": {
                                ":t": {"BOOL": True}}}},
    ], ReturnConsumedCapacity="TOTAL")
    assert _balance(client, first, "a")["bal"] == {"N": "6"}
    assert _balance(client, first, "b")["bal"] == {"N": "4"}
    assert _balance(client, second, "new")["v"] == {"S": "x" * 1500}
    assert _balance(client, second, "gone") is None
    assert {c["TableName"]: c["WriteCapacityUnits"] for c in response["ConsumedCapacity"]} == {
        first: 4.0, second: 4.0 + 2.0 + 2.0}


def test_transact_write_items_cancels_everything_with_reasons_in_order(client, table):
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "bal": {"N": "1"}})
    client.put_item(TableName=table, Item={"pk": {"S": "b"}, "bal": {"N": "0"}})
    client.put_item(TableName=table, Item={"pk": {"S": "s"}, "text": {"S": "t"}})
    with pytest.raises(ClientError) as info:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "c"}}}},
            *_transfer(table, "a", "b", 5),
            {"Update": {"TableName": table, "Key": {"pk": {"S": "s"}},
                        "UpdateExpression": "ADD #t :one", "ExpressionAttributeNames": {
                            "#t": "text"}, "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ])
    error = info.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    assert error["Error"]["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed, None, ValidationError]")
    assert error["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "None"},
        {"Code": "ValidationError",
         "Message": "An operand in the update expression has an incorrect data type"}]
    assert _balance(client, table, "c") is None
    assert _balance(client, table, "b")["bal"] == {"N": "0"}


def test_transact_write_items_returns_old_item_of_a_failed_check(client, table):
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as info:
        client.transact_write_items(TransactItems=[{"ConditionCheck": {
            "TableName": table, "Key": {"pk": {"S": "a"}}, "ConditionExpression": "v = :two",
            "ExpressionAttributeValues": {":two": {"N": "2"}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}])
    assert info.value.response["CancellationReasons"] == [{
        "Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
        "Item": {"pk": {"S": "a"}, "v": {"N": "1"}}}]


@pytest.mark.parametrize("items, code, message", [
    ([{"Put": {"TableName": "T", "Item": {"pk": {"S": "a"}}},
       "Delete": {"TableName": "T", "Key": {"pk": {"S": "a"}}}}], "ValidationException",
     "TransactItems can only contain one of Check, Put, Update or Delete"),
    ([{"Put": {"TableName": "T", "Item": {"pk": {"S": "a"}}}},
      {"Delete": {"TableName": "T", "Key": {"pk": {"S": "a"}}}}], "ValidationException",
     "Transaction request cannot include multiple operations on one item"),
    # a key not of the schema cancels the action (as TransactGetItems' empty Key
    # does: AWS captures, conformance suite transactGetItems/transactWriteItems)
    ([{"Delete": {"TableName": "T", "Key": {"wrong": {"S": "a"}}}}], "TransactionCanceledException",
     "Transaction cancelled, please refer cancellation reasons for specific reasons "
     "[ValidationError]"),
    ([{"Put": {"TableName": "no-such-table", "Item": {"pk": {"S": "a"}}}}],
     "ResourceNotFoundException", "Requested resource not found"),
    ([{"Update": {"TableName": "T", "Key": {"pk": {"S": "a"}},
                  "UpdateExpression": "SET pk = :v",
                  "ExpressionAttributeValues": {":v": {"S": "b"}}}}], "ValidationException",
     "One or more parameter values were invalid: Cannot update attribute pk. This attribute "
     "is part of the key"),
])
def test_transact_write_items_request_errors(client, table, items, code, message):
    items = copy.deepcopy(items)
    for action in items:
        for body in action.values():
            if body["TableName"] == "T":
                body["TableName"] = table
    with pytest.raises(ClientError) as info:
        client.transact_write_items(TransactItems=items)
    assert info.value.response["Error"] == {"Code": code, "Message": message}
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "a"}})


def test_client_request_token_applies_once_for_ten_minutes(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, sweep_interval=3600.0) as db:
        now = [1_700_000_000.0]
        db.engine.clock = lambda: now[0]
        client = db.client(config=NO_RETRIES)
        table = create_table(client)
        client.put_item(TableName=table, Item={"pk": {"S": "a"}, "bal": {"N": "100"}})
        client.put_item(TableName=table, Item={"pk": {"S": "b"}, "bal": {"N": "0"}})
        for _ in range(3):
            client.transact_write_items(TransactItems=_transfer(table, "a", "b", 10),
                                        ClientRequestToken="token-1")
        assert _balance(client, table, "b")["bal"] == {"N": "10"}
        with pytest.raises(ClientError) as info:
            client.transact_write_items(TransactItems=_transfer(table, "a", "b", 11),
                                        ClientRequestToken="token-1")
        assert info.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
        now[0] += 601
        client.transact_write_items(TransactItems=_transfer(table, "a", "b", 10),
                                    ClientRequestToken="token-1")
        assert _balance(client, table, "b")["bal"] == {"N": "20"}
        now[0] += 601  # the sweep forgets tokens past their 10 minutes
        from dynalite_py.jobs.sweeper import forget_client_tokens
        tokens = db.engine.repos.tokens
        with db.engine.store.read() as txn:
            assert tokens.expired(txn, now[0]) == ["token-1"]
        forget_client_tokens(db.engine)
        with db.engine.store.read() as txn:
            assert tokens.expired(txn, now[0] + 10**6) == []

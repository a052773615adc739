"""TransactGetItems (and TransactWriteItems with the expression work)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from support import create_table


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

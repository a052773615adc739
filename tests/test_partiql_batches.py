"""BatchExecuteStatement and ExecuteTransaction, compared with the native
batch and transaction operations doing the same work."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from support import create_table

DUPLICATE = "Duplicate primary key exists in table"


def statements(*texts: str) -> list[dict]:
    return [{"Statement": text} for text in texts]


def transact(client, *texts: str, **extra) -> dict:
    response = client.execute_transaction(TransactStatements=statements(*texts), **extra)
    response.pop("ResponseMetadata")
    return response


def transact_error(client, *texts: str, **extra) -> dict:
    with pytest.raises(ClientError) as caught:
        client.execute_transaction(TransactStatements=statements(*texts), **extra)
    return caught.value.response


@pytest.fixture
def filled(client):
    table = create_table(client)
    for name in "abc":
        client.put_item(TableName=table, Item={"pk": {"S": name}, "n": {"N": "1"}})
    return table


def item(client, table: str, pk: str) -> dict | None:
    return client.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


# BatchExecuteStatement ------------------------------------------------------------------
def test_batch_reads_are_get_items_with_an_entry_each(client, filled):
    response = client.batch_execute_statement(Statements=statements(
        f"SELECT * FROM \"{filled}\" WHERE pk = 'a'",
        f"SELECT n FROM \"{filled}\" WHERE pk = 'zz'",
        f"SELECT * FROM \"{filled}\" WHERE n = 1",
        f"SELECT * FROM \"{filled}\" WHERE",
        f"SELECT * FROM \"{filled}-missing\" WHERE pk = 'a'",
    ), ReturnConsumedCapacity="TOTAL")
    entries = response["Responses"]
    assert entries[0] == {"TableName": filled, "Item": {"pk": {"S": "a"}, "n": {"N": "1"}}}
    assert entries[1] == {"TableName": filled}
    assert entries[2]["Error"] == {
        "Code": "ValidationError",
        "Message": "Select statements within BatchExecuteStatement must specify the primary key "
                   "in the where clause."}
    assert entries[3]["Error"] == {
        "Code": "ValidationError",
        "Message": "Statement wasn't well formed, can't be processed: Unexpected term"}
    assert entries[4]["Error"]["Code"] == "ResourceNotFound"
    native = client.batch_get_item(RequestItems={filled: {"Keys": [
        {"pk": {"S": "a"}}, {"pk": {"S": "zz"}}]}}, ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"] == native["ConsumedCapacity"]


def test_batch_writes_each_succeed_or_fail_alone(client, filled):
    response = client.batch_execute_statement(Statements=statements(
        f"INSERT INTO \"{filled}\" VALUE {{'pk': 'new'}}",
        f"INSERT INTO \"{filled}\" VALUE {{'pk': 'a'}}",
        f"UPDATE \"{filled}\" SET n = 2 WHERE pk = 'b'",
        f"UPDATE \"{filled}\" SET n = 2 WHERE pk = 'c' AND n = 5",
        f"DELETE FROM \"{filled}\" WHERE pk = 'a'",
    ) + [{"Statement": f"UPDATE \"{filled}\" SET n = 3 WHERE pk = 'b' AND n = 9",
          "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}], ReturnConsumedCapacity="TOTAL")
    entries = response["Responses"]
    assert entries[0] == {"TableName": filled}
    assert entries[1]["Error"] == {"Code": "DuplicateItem", "Message": DUPLICATE}
    assert entries[2] == {"TableName": filled}
    assert entries[3]["Error"] == {"Code": "ConditionalCheckFailed",
                                   "Message": "The conditional request failed"}
    assert entries[5]["Error"]["Item"] == {"pk": {"S": "b"}, "n": {"N": "2"}}
    assert item(client, filled, "new") == {"pk": {"S": "new"}}
    assert item(client, filled, "a") is None
    assert item(client, filled, "c")["n"] == {"N": "1"}
    assert response["ConsumedCapacity"] == [{"TableName": filled, "CapacityUnits": 3.0}]


def test_a_batch_does_not_mix_reads_and_writes(client, filled):
    with pytest.raises(ClientError) as caught:
        client.batch_execute_statement(Statements=statements(
            f"INSERT INTO \"{filled}\" VALUE {{'pk': 'mixed'}}",
            f"SELECT * FROM \"{filled}\" WHERE pk = 'a'"))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert item(client, filled, "mixed") is None


def test_a_batch_holds_at_most_25_statements(client, filled):
    with pytest.raises(ClientError) as caught:
        client.batch_execute_statement(Statements=statements(
            *[f"SELECT * FROM \"{filled}\" WHERE pk = 'a'"] * 26))
    assert "Member must have length less than or equal to 25" in str(caught.value)


# ExecuteTransaction -----------------------------------------------------------------------
def test_a_write_transaction_is_transact_write_items(client, filled):
    response = transact(client, f"INSERT INTO \"{filled}\" VALUE {{'pk': 'd', 'n': 4}}",
                        f"UPDATE \"{filled}\" SET n = n + 1 WHERE pk = 'a'",
                        f"DELETE FROM \"{filled}\" WHERE pk = 'b'",
                        f"EXISTS(SELECT * FROM \"{filled}\" WHERE pk = 'c' AND n = 1)",
                        ReturnConsumedCapacity="TOTAL")
    assert response["Responses"] == []
    native_table = create_table(client)
    for name in "abc":
        client.put_item(TableName=native_table, Item={"pk": {"S": name}, "n": {"N": "1"}})
    native = client.transact_write_items(TransactItems=[
        {"Put": {"TableName": native_table, "Item": {"pk": {"S": "d"}, "n": {"N": "4"}}}},
        {"Update": {"TableName": native_table, "Key": {"pk": {"S": "a"}},
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {"TableName": native_table, "Key": {"pk": {"S": "b"}}}},
        {"ConditionCheck": {"TableName": native_table, "Key": {"pk": {"S": "c"}},
                            "ConditionExpression": "n = :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}}],
        ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"] == [dict(native["ConsumedCapacity"][0],
                                                 TableName=filled)]
    assert item(client, filled, "d") == {"pk": {"S": "d"}, "n": {"N": "4"}}
    assert item(client, filled, "a")["n"] == {"N": "2"}
    assert item(client, filled, "b") is None


def test_a_cancelled_transaction_names_each_reason_and_writes_nothing(client, filled):
    response = transact_error(client, f"UPDATE \"{filled}\" SET n = 7 WHERE pk = 'a'",
                              f"INSERT INTO \"{filled}\" VALUE {{'pk': 'b'}}",
                              f"EXISTS(SELECT * FROM \"{filled}\" WHERE pk = 'c' AND n = 2)",
                              f"UPDATE \"{filled}\" SET n = 7 WHERE pk = 'absent'")
    assert response["Error"]["Code"] == "TransactionCanceledException"
    assert response["Error"]["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, DuplicateItem, ConditionalCheckFailed, ConditionalCheckFailed]")
    assert [reason["Code"] for reason in response["CancellationReasons"]] == [
        "None", "DuplicateItem", "ConditionalCheckFailed", "ConditionalCheckFailed"]
    assert response["CancellationReasons"][1]["Message"] == DUPLICATE
    assert item(client, filled, "a")["n"] == {"N": "1"}


def test_the_old_item_on_a_failed_condition(client, filled):
    with pytest.raises(ClientError) as caught:
        client.execute_transaction(TransactStatements=[{
            "Statement": f"UPDATE \"{filled}\" SET n = 3 WHERE pk = 'a' AND n = 9",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}])
    reasons = caught.value.response["CancellationReasons"]
    assert reasons[0]["Item"] == {"pk": {"S": "a"}, "n": {"N": "1"}}


def test_a_client_request_token_makes_a_retry_harmless(client, filled):
    texts = (f"UPDATE \"{filled}\" SET n = n + 1 WHERE pk = 'a'",)
    transact(client, *texts, ClientRequestToken="token-1")
    transact(client, *texts, ClientRequestToken="token-1")
    assert item(client, filled, "a")["n"] == {"N": "2"}
    response = transact_error(client, f"UPDATE \"{filled}\" SET n = 5 WHERE pk = 'a'",
                              ClientRequestToken="token-1")
    assert response["Error"]["Code"] == "IdempotentParameterMismatchException"


def test_a_read_transaction_is_transact_get_items(client, filled):
    response = client.execute_transaction(
        TransactStatements=[{"Statement": f"SELECT * FROM \"{filled}\" WHERE pk = 'a'"},
                            {"Statement": f"SELECT n FROM \"{filled}\" WHERE pk = ?",
                             "Parameters": [{"S": "b"}]},
                            {"Statement": f"SELECT * FROM \"{filled}\" WHERE pk = 'zz'"}],
        ReturnConsumedCapacity="TOTAL")
    native = client.transact_get_items(TransactItems=[
        {"Get": {"TableName": filled, "Key": {"pk": {"S": "a"}}}},
        {"Get": {"TableName": filled, "Key": {"pk": {"S": "b"}}, "ProjectionExpression": "n"}},
        {"Get": {"TableName": filled, "Key": {"pk": {"S": "zz"}}}}],
        ReturnConsumedCapacity="TOTAL")
    assert response["Responses"] == native["Responses"]
    assert response["Responses"][2] == {}
    assert response["ConsumedCapacity"] == native["ConsumedCapacity"]


def test_transaction_statements_dynamodb_refuses(client, filled):
    def message(*texts):
        return transact_error(client, *texts)["Error"]["Message"]
    assert message(f"SELECT * FROM \"{filled}\" WHERE pk = 'a' AND attribute_exists(n)") == (
        "Validation failed in TransactStatements[0]: Select statements within "
        "ExecuteTransaction must specify the primary key in the where clause.")
    assert message(f"EXISTS(SELECT * FROM \"{filled}\" WHERE pk = 'a')",
                   f"UPDATE \"{filled}\" SET z = 1 WHERE pk = 'a'") == (
        "Validation failed in TransactStatements[0]: EXISTS() must contain a single item read "
        "with additional condition")
    assert message(f"UPDATE \"{filled}\" SET z = 1 WHERE pk = 'a'",
                   f"SELECT * FROM \"{filled}\" WHERE") == (
        "Validation failed in TransactStatements[1]: Statement wasn't well formed, can't be "
        "processed: Unexpected term")
    assert message(f"DELETE FROM \"{filled}\" WHERE pk = 'a' RETURNING ALL OLD *") == (
        "Validation failed in TransactStatements[0]: RETURNING clause is not supported in "
        "ExecuteTransaction.")
    assert transact_error(client, f"UPDATE \"{filled}\" SET n = ? WHERE pk = 'a'")[
        "Error"]["Message"] == ("Validation failed in TransactStatements[0]: Number of "
                                "parameters in request and statement don't match.")
    assert transact_error(client, f"INSERT INTO \"{filled}\" VALUE {{'pk': 'mix'}}",
                          f"SELECT * FROM \"{filled}\" WHERE pk = 'a'")["Error"][
        "Code"] == "ValidationException"
    assert transact_error(client, f"UPDATE \"{filled}-missing\" SET n = 1 WHERE pk = 'a'")[
        "Error"]["Code"] == "ResourceNotFoundException"
    assert transact_error(client, f"UPDATE \"{filled}\" SET n = 1 WHERE pk = 'a'",
                          f"DELETE FROM \"{filled}\" WHERE pk = 'a'")["Error"]["Message"] == (
        "Transaction request cannot include multiple operations on one item")
    assert item(client, filled, "mix") is None

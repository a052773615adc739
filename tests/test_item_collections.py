"""Item collections of tables with LSIs: ItemCollectionMetrics on every
write path and the collection size limit (lowered here to test it)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from support import NO_RETRIES, open_db

LIMIT = 6000


@pytest.fixture
def client(tmp_path):
    with open_db(str(tmp_path), item_collection_limit=LIMIT) as db:
        client = db.client(config=NO_RETRIES)
        client.create_table(
            TableName="coll", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"}
                                  for n in ("pk", "sk", "alt")],
            LocalSecondaryIndexes=[{
                "IndexName": "by_alt", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                              {"AttributeName": "alt", "KeyType": "RANGE"}]}])
        client.get_waiter("table_exists").wait(TableName="coll", WaiterConfig={"Delay": 0.01})
        yield client


def item(sk: str, size: int, alt: bool = True) -> dict:
    body = {"pk": {"S": "p"}, "sk": {"S": sk}, "data": {"S": "x" * size}}
    if alt:
        body["alt"] = {"S": sk}
    return body


EXPECTED_METRICS = {"ItemCollectionKey": {"pk": {"S": "p"}}, "SizeEstimateRangeGB": [0.0, 1.0]}


def test_metrics_on_every_write_path(client):
    response = client.put_item(TableName="coll", Item=item("a", 10),
                               ReturnItemCollectionMetrics="SIZE")
    assert response["ItemCollectionMetrics"] == EXPECTED_METRICS
    response = client.update_item(TableName="coll", Key={"pk": {"S": "p"}, "sk": {"S": "a"}},
                                  UpdateExpression="SET v = :v",
                                  ExpressionAttributeValues={":v": {"N": "1"}},
                                  ReturnItemCollectionMetrics="SIZE")
    assert response["ItemCollectionMetrics"] == EXPECTED_METRICS
    response = client.batch_write_item(RequestItems={"coll": [{"PutRequest": {"Item": item("b", 1)}}]},
                                       ReturnItemCollectionMetrics="SIZE")
    assert response["ItemCollectionMetrics"] == {"coll": [EXPECTED_METRICS]}
    response = client.transact_write_items(
        TransactItems=[{"Delete": {"TableName": "coll", "Key": {"pk": {"S": "p"}, "sk": {"S": "b"}}}}],
        ReturnItemCollectionMetrics="SIZE")
    assert response["ItemCollectionMetrics"] == {"coll": [EXPECTED_METRICS]}
    response = client.delete_item(TableName="coll", Key={"pk": {"S": "p"}, "sk": {"S": "a"}},
                                  ReturnItemCollectionMetrics="SIZE")
    assert response["ItemCollectionMetrics"] == EXPECTED_METRICS
    assert "ItemCollectionMetrics" not in client.put_item(TableName="coll", Item=item("c", 1))


def test_collection_limit_counts_items_and_lsi_entries(client):
    # each item is ~1 KB and, with an ALL-projected LSI entry, ~2 KB of collection
    client.put_item(TableName="coll", Item=item("a", 1000))
    client.put_item(TableName="coll", Item=item("b", 1000))
    with pytest.raises(ClientError) as info:
        client.put_item(TableName="coll", Item=item("c", 1000))
    assert info.value.response["Error"]["Code"] == "ItemCollectionSizeLimitExceededException"
    assert "Item" not in client.get_item(TableName="coll", Key={"pk": {"S": "p"}, "sk": {"S": "c"}})
    client.put_item(TableName="coll", Item=item("c", 1000, alt=False))  # not in the LSI: fits
    client.put_item(TableName="coll", Item={**item("a", 1000), "pk": {"S": "q"}})  # another one
    client.delete_item(TableName="coll", Key={"pk": {"S": "p"}, "sk": {"S": "a"}})
    client.put_item(TableName="coll", Item=item("d", 1000))  # room again after the delete

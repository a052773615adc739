"""Contributor Insights: Update/Describe/ListContributorInsights and the
ENABLING/ENABLED/DISABLING/DISABLED states, over HTTP and embedded."""
from __future__ import annotations

import httpx
import pytest
from botocore.exceptions import ClientError
from support import (
    NO_RETRIES,
    Clock,
    create_table,
    error_of,
    http_client,
    open_db,
    start_server,
    unique_name,
    wait_for,
)

import dynalite_py


def test_states_over_time(tmp_path):
    with open_db(str(tmp_path), table_status_delay=2.0, sweep_interval=3600.0) as db:
        db.engine.clock = clock = Clock()
        client = db.client()
        table = unique_name()
        client.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                       {"AttributeName": "sk", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                  {"AttributeName": "sk", "AttributeType": "S"}])
        assert error_of(client.update_contributor_insights, TableName=table,
                        ContributorInsightsAction="ENABLE") == (
            "ValidationException", "Table or Index is not in a valid state to update Key Access "
                                   "Insights: TableStatus must be ACTIVE to enable "
                                   "ContributorInsights.")
        clock.now += 3
        assert client.describe_contributor_insights(TableName=table)[
            "ContributorInsightsStatus"] == "DISABLED"
        answer = client.update_contributor_insights(TableName=table,
                                                    ContributorInsightsAction="ENABLE")
        assert answer["ContributorInsightsStatus"] == "ENABLING"
        assert answer["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
        assert client.describe_contributor_insights(TableName=table)[
            "ContributorInsightsStatus"] == "ENABLING"
        clock.now += 3
        described = client.describe_contributor_insights(TableName=table)
        assert described["ContributorInsightsStatus"] == "ENABLED"
        assert [rule.split("-")[1] for rule in described["ContributorInsightsRuleList"]] == [
            "PKC", "PKT", "SKC", "SKT"]
        assert described["LastUpdateDateTime"].timestamp() == pytest.approx(clock.now - 3)
        assert [s["TableName"] for s in client.list_contributor_insights()[
            "ContributorInsightsSummaries"]] == [table]
        assert client.update_contributor_insights(TableName=table, ContributorInsightsAction=(
            "DISABLE"))["ContributorInsightsStatus"] == "DISABLING"
        clock.now += 3
        assert client.describe_contributor_insights(TableName=table)[
            "ContributorInsightsStatus"] == "DISABLED"
        assert client.list_contributor_insights()["ContributorInsightsSummaries"] == []


def test_indexes_listing_and_paging(client):
    table = unique_name()
    client.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}])
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.01})
    client.update_contributor_insights(TableName=table, ContributorInsightsAction="ENABLE")
    answer = client.update_contributor_insights(
        TableName=table, IndexName="by-g", ContributorInsightsAction="ENABLE",
        ContributorInsightsMode="THROTTLED_KEYS")
    assert answer["IndexName"] == "by-g" and answer["ContributorInsightsMode"] == "THROTTLED_KEYS"
    listed = client.list_contributor_insights(TableName=table)["ContributorInsightsSummaries"]
    assert [(s.get("IndexName"), s["ContributorInsightsMode"]) for s in listed] == [
        (None, "ACCESSED_AND_THROTTLED_KEYS"), ("by-g", "THROTTLED_KEYS")]
    first = client.list_contributor_insights(TableName=table, MaxResults=1)
    assert len(first["ContributorInsightsSummaries"]) == 1 and first["NextToken"]
    second = client.list_contributor_insights(TableName=table, MaxResults=1,
                                              NextToken=first["NextToken"])
    assert second["ContributorInsightsSummaries"][0]["IndexName"] == "by-g"
    assert "NextToken" not in second
    described = client.describe_contributor_insights(TableName=table, IndexName="by-g")
    assert described["IndexName"] == "by-g"
    assert all(rule.split("-")[1] in ("PKT", "SKT")
               for rule in described.get("ContributorInsightsRuleList", []))


def test_errors(client, embedded_db):
    missing = unique_name()
    assert error_of(client.describe_contributor_insights, TableName=missing) == (
        "ResourceNotFoundException", f"Requested resource not found: Table: {missing} not found")
    assert error_of(client.update_contributor_insights, TableName=missing,
                    ContributorInsightsAction="ENABLE")[0] == "ResourceNotFoundException"
    assert error_of(client.list_contributor_insights, TableName=missing)[0] == (
        "ResourceNotFoundException")
    table = create_table(client)
    assert error_of(client.describe_contributor_insights, TableName=table,
                    IndexName="no-such-index")[0] == "ResourceNotFoundException"
    with pytest.raises(dynalite_py.DynamoError) as info:  # boto3 refuses it
        embedded_db.call("DescribeContributorInsights", {"TableName": table, "IndexName": "ab"})
    assert info.value.message == (
        "IndexName must be at least 3 characters long and at most 255 characters long")


def insights_table(client, **extra) -> str:
    """A table (pk, sk) with a GSI on g, ACTIVE, Contributor Insights on."""
    table = unique_name()
    throughput = extra.pop("ProvisionedThroughput", None)
    gsi = {"IndexName": "by-g", "Projection": {"ProjectionType": "KEYS_ONLY"},
           "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}
    billing = {"ProvisionedThroughput": throughput} if throughput else {
        "BillingMode": "PAY_PER_REQUEST"}
    if throughput:
        gsi["ProvisionedThroughput"] = throughput
    client.create_table(
        TableName=table, **billing, GlobalSecondaryIndexes=[gsi],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"}
                              for name in ("pk", "sk", "g")])
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.01})
    for index in ({}, {"IndexName": "by-g"}):
        client.update_contributor_insights(TableName=table, ContributorInsightsAction="ENABLE",
                                           **extra, **index)
    for index in ({}, {"IndexName": "by-g"}):
        wait_for(lambda: client.describe_contributor_insights(TableName=table, **index)[
            "ContributorInsightsStatus"] == "ENABLED")
    return table


def access(client, table: str) -> None:
    """'hot' 6 times (sort key 0 4 times, 1 twice), 'warm' twice, 'cold' once."""
    for n in range(3):
        client.put_item(TableName=table, Item={"pk": {"S": "hot"}, "sk": {"S": f"{n % 2}"},
                                               "g": {"S": "g1"}})
    client.get_item(TableName=table, Key={"pk": {"S": "hot"}, "sk": {"S": "0"}})
    client.update_item(TableName=table, Key={"pk": {"S": "hot"}, "sk": {"S": "0"}},
                       UpdateExpression="SET x = :x", ExpressionAttributeValues={":x": {"N": "1"}})
    client.batch_get_item(RequestItems={table: {"Keys": [
        {"pk": {"S": "hot"}, "sk": {"S": "1"}}, {"pk": {"S": "warm"}, "sk": {"S": "0"}}]}})
    client.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": {
        "pk": {"S": "warm"}, "sk": {"S": "0"}, "g": {"S": "g2"}}}}])
    client.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": {
        "pk": {"S": "cold"}, "sk": {"S": "0"}}}}]})


def test_most_accessed_keys_are_counted_while_enabled(tmp_path):
    with open_db(str(tmp_path)) as db:
        client = db.client()
        table = insights_table(client)
        access(client, table)
        counts = db.contributor_insights(table)
        assert [(k["Key"]["pk"]["S"], k["Count"]) for k in counts["PKC"]] == [
            ("hot", 6), ("warm", 2), ("cold", 1)]
        assert sorted((-k["Count"], k["Key"]["pk"]["S"], k["Key"]["sk"]["S"])
                      for k in counts["SKC"]) == [
            (-4, "hot", "0"), (-2, "hot", "1"), (-2, "warm", "0"), (-1, "cold", "0")]
        assert counts["PKT"] == counts["SKT"] == []
        # the index counts the items written with its key
        assert [(k["Key"], k["Count"]) for k in db.contributor_insights(table, "by-g")["PKC"]] \
            == [({"g": {"S": "g1"}}, 3), ({"g": {"S": "g2"}}, 1)]
        assert db.contributor_insights(table, limit=1)["PKC"] == counts["PKC"][:1]
        # disabled: no more counting
        client.update_contributor_insights(TableName=table, ContributorInsightsAction="DISABLE")
        client.get_item(TableName=table, Key={"pk": {"S": "cold"}, "sk": {"S": "0"}})
        assert db.contributor_insights(table)["PKC"] == counts["PKC"]


def test_throttled_keys_and_the_throttled_only_mode(tmp_path):
    with open_db(str(tmp_path), throttling=True, burst_seconds=1.0) as db:
        client = db.client(config=NO_RETRIES)
        table = insights_table(client, ContributorInsightsMode="THROTTLED_KEYS",
                               ProvisionedThroughput={"ReadCapacityUnits": 1,
                                                      "WriteCapacityUnits": 1})
        throttled = 0
        for _ in range(20):
            try:
                client.get_item(TableName=table, Key={"pk": {"S": "busy"}, "sk": {"S": "0"}})
            except ClientError as error:
                assert error.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
                throttled += 1
        assert throttled > 0
        counts = db.contributor_insights(table)
        assert counts["PKT"] == [{"Key": {"pk": {"S": "busy"}}, "Count": throttled}]
        assert counts["SKT"][0]["Count"] == throttled
        assert counts["PKC"] == []  # THROTTLED_KEYS: accessed keys are not counted


def test_a_server_answers_its_counts(tmp_path):
    process, url = start_server(str(tmp_path), "--workers", "1")
    try:
        client = http_client(url)
        table = insights_table(client)
        access(client, table)
        answer = httpx.get(f"{url}/_dynalite/insights/{table}", params={"limit": 2}).json()
        assert [(k["Key"]["pk"]["S"], k["Count"]) for k in answer["PKC"]] == [
            ("hot", 6), ("warm", 2)]
        index = httpx.get(f"{url}/_dynalite/insights/{table}", params={"index": "by-g"}).json()
        assert index["PKC"][0] == {"Key": {"g": {"S": "g1"}}, "Count": 3}
    finally:
        process.terminate()
        process.wait(10)

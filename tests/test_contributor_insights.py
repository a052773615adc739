"""Contributor Insights: Update/Describe/ListContributorInsights and the
ENABLING/ENABLED/DISABLING/DISABLED states, over HTTP and embedded."""
from __future__ import annotations

import pytest
from support import Clock, create_table, error_of, open_db, unique_name

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

"""Table settings stacks set: deletion protection, table class, SSE,
OnDemandThroughput (enforced when throttling is on), WarmThroughput and
UpdateTable's one-change-at-a-time rules, with DynamoDB's messages
(dynamodb/tables/table_settings.py cites them)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from support import NO_RETRIES, create_table, error_of, open_db, unique_name

import dynalite_py

PREFIX = "One or more parameter values were invalid: "
KEY = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
       "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
PROVISIONED = {"BillingMode": "PROVISIONED",
               "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}


def described(client, table: str) -> dict:
    return client.describe_table(TableName=table)["Table"]


def settle(client, table: str) -> None:
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.01})


def test_deletion_protection(client):
    table = create_table(client, DeletionProtectionEnabled=True)
    assert described(client, table)["DeletionProtectionEnabled"] is True
    assert error_of(client.delete_table, TableName=table) == (
        "ValidationException", "Resource cannot be deleted as it is currently protected against "
                               "deletion. Disable deletion protection first.")
    assert described(client, table)["TableStatus"] == "ACTIVE"
    assert error_of(client.update_table, TableName=table, DeletionProtectionEnabled=False,
                    BillingMode="PROVISIONED",
                    ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}) == (
        "ValidationException",
        PREFIX + "DeletionProtection modification must be the only operation in the request")
    client.update_table(TableName=table, DeletionProtectionEnabled=False)
    settle(client, table)
    assert described(client, table)["DeletionProtectionEnabled"] is False
    client.delete_table(TableName=table)


def test_table_class(client, embedded_db):
    table = create_table(client, TableClass="STANDARD_INFREQUENT_ACCESS")
    assert described(client, table)["TableClassSummary"] == {
        "TableClass": "STANDARD_INFREQUENT_ACCESS"}
    client.update_table(TableName=table, TableClass="STANDARD")
    settle(client, table)
    summary = described(client, table)["TableClassSummary"]
    assert summary["TableClass"] == "STANDARD" and "LastUpdateDateTime" in summary
    assert error_of(client.update_table, TableName=table, TableClass="STANDARD",
                    DeletionProtectionEnabled=True)[1] == (
        PREFIX + "TableClass modification must be the only operation in the request")
    with pytest.raises(dynalite_py.DynamoError) as info:  # boto3 refuses it
        embedded_db.call("CreateTable", {"TableName": unique_name(), "TableClass": "COLD",
                                         "BillingMode": "PAY_PER_REQUEST", **KEY})
    assert info.value.message == (
        "Invalid table-class parameter provided. Please try again with a valid table-class "
        "value: [STANDARD, STANDARD_INFREQUENT_ACCESS].")


def test_sse(client):
    table = create_table(client, SSESpecification={"Enabled": True, "SSEType": "KMS",
                                                   "KMSMasterKeyId": "my-key"})
    sse = described(client, table)["SSEDescription"]
    assert sse["Status"] == "ENABLED" and sse["SSEType"] == "KMS"
    assert sse["KMSMasterKeyArn"] == "arn:aws:kms:us-east-1:000000000000:key/my-key"
    name = unique_name()
    for specification, message in (
            ({"Enabled": False, "SSEType": "KMS"}, "SSEType can not be specified if Enabled is false"),
            ({"Enabled": False, "KMSMasterKeyId": "k"},
             "KMSMasterKeyId can not be specified if Enabled is false"),
            ({"Enabled": True, "SSEType": "AES256"}, "SSEType AES256 is not supported")):
        assert error_of(client.create_table, TableName=name, BillingMode="PAY_PER_REQUEST",
                        SSESpecification=specification, **KEY) == (
            "ValidationException", PREFIX + message)
    assert error_of(client.describe_table, TableName=name)[0] == "ResourceNotFoundException"
    assert error_of(client.update_table, TableName=table, SSESpecification={"Enabled": False},
                    DeletionProtectionEnabled=True)[1] == (
        PREFIX + "Server-Side Encryption modification must be the only operation in the request")


def test_on_demand_throughput(client):
    table = create_table(client, OnDemandThroughput={"MaxReadRequestUnits": 100,
                                                     "MaxWriteRequestUnits": 50})
    assert described(client, table)["OnDemandThroughput"] == {
        "MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50}
    client.update_table(TableName=table, OnDemandThroughput={"MaxWriteRequestUnits": -1})
    settle(client, table)
    assert described(client, table)["OnDemandThroughput"] == {
        "MaxReadRequestUnits": 100, "MaxWriteRequestUnits": -1}
    assert error_of(client.update_table, TableName=table, DeletionProtectionEnabled=True,
                    OnDemandThroughput={"MaxReadRequestUnits": 10})[1] == (
        PREFIX + "DeletionProtection modification must be the only operation in the request")
    assert error_of(client.update_table, TableName=table, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        OnDemandThroughput={"MaxReadRequestUnits": 10})[1] == (
        PREFIX + "OnDemandThroughput can only be combined with BillingMode in an UpdateTable "
                 "request")
    name = unique_name()
    assert error_of(client.create_table, TableName=name, **KEY, **PROVISIONED,
                    OnDemandThroughput={"MaxReadRequestUnits": 10}) == (
        "ValidationException", PREFIX + "MaxReadRequestUnits for OnDemandThroughput cannot be "
                                        "specified when the table BillingMode is PROVISIONED")
    assert error_of(client.create_table, TableName=name, BillingMode="PAY_PER_REQUEST", **KEY,
                    OnDemandThroughput={"MaxWriteRequestUnits": 0}) == (
        "ValidationException", PREFIX + "Requested MaxWriteRequestUnits for OnDemandThroughput "
                                        "for table is outside of valid range")
    # provisioned from now on: the on-demand maxima no longer apply
    client.update_table(TableName=table, BillingMode="PROVISIONED",
                        ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2})
    settle(client, table)
    assert "OnDemandThroughput" not in described(client, table)


def test_on_demand_maxima_are_enforced_when_throttling(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, throttling=True,
                 burst_seconds=1.0) as db:
        client = db.client(config=NO_RETRIES)
        capped = create_table(client, OnDemandThroughput={"MaxWriteRequestUnits": 5})
        free = create_table(client)
        outcomes = {capped: 0, free: 0}
        for table in outcomes:
            for n in range(40):
                try:
                    client.put_item(TableName=table, Item={"pk": {"S": str(n)}})
                except ClientError as error:
                    assert error.response["Error"]["Code"] == (
                        "ProvisionedThroughputExceededException")
                    outcomes[table] += 1
        assert outcomes[free] == 0
        assert 20 <= outcomes[capped] <= 35  # about 5 a second and a second's burst


def test_warm_throughput(client):
    table = create_table(client)
    assert described(client, table)["WarmThroughput"] == {
        "ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}
    client.update_table(TableName=table, WarmThroughput={"ReadUnitsPerSecond": 15000})
    settle(client, table)
    assert described(client, table)["WarmThroughput"] == {
        "ReadUnitsPerSecond": 15000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}
    assert error_of(client.update_table, TableName=table,
                    WarmThroughput={"ReadUnitsPerSecond": 13000}) == (
        "ValidationException", PREFIX + "Requested ReadUnitsPerSecond for WarmThroughput for "
                                        "table is lower than current WarmThroughput, decreasing "
                                        "WarmThroughput is not supported")
    assert error_of(client.update_table, TableName=table, DeletionProtectionEnabled=True,
                    WarmThroughput={"ReadUnitsPerSecond": 20000})[1] == (
        PREFIX + "DeletionProtection modification must be the only operation in the request")
    warm = create_table(client, WarmThroughput={"ReadUnitsPerSecond": 20000,
                                                "WriteUnitsPerSecond": 9000})
    assert described(client, warm)["WarmThroughput"]["WriteUnitsPerSecond"] == 9000


def test_billing_mode_switches(client):
    table = create_table(client, **PROVISIONED)
    assert described(client, table)["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    client.update_table(TableName=table, BillingMode="PAY_PER_REQUEST")
    settle(client, table)
    table_now = described(client, table)
    assert table_now["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table_now["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert error_of(client.update_table, TableName=table, BillingMode="PROVISIONED") == (
        "ValidationException",
        PREFIX + "ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
    client.update_table(TableName=table, BillingMode="PROVISIONED",
                        ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    settle(client, table)
    table_now = described(client, table)
    assert table_now["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table_now["ProvisionedThroughput"]["WriteCapacityUnits"] == 4


def test_turning_provisioned_needs_each_index_throughput(client):
    table = unique_name()
    client.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", **{
            "KeySchema": KEY["KeySchema"],
            "AttributeDefinitions": KEY["AttributeDefinitions"] + [
                {"AttributeName": "g", "AttributeType": "S"}]},
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}])
    settle(client, table)
    units = {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}
    assert error_of(client.update_table, TableName=table, BillingMode="PROVISIONED",
                    ProvisionedThroughput=units) == (
        "ValidationException", PREFIX + "ProvisionedThroughput must be specified for index: by-g")
    client.update_table(TableName=table, BillingMode="PROVISIONED", ProvisionedThroughput=units,
                        GlobalSecondaryIndexUpdates=[{"Update": {
                            "IndexName": "by-g", "ProvisionedThroughput": units}}])
    settle(client, table)
    index = described(client, table)["GlobalSecondaryIndexes"][0]
    assert index["ProvisionedThroughput"]["ReadCapacityUnits"] == 2


def test_on_demand_throughput_with_a_billing_switch(client):
    table = create_table(client, **PROVISIONED)
    assert error_of(client.update_table, TableName=table,
                    OnDemandThroughput={"MaxReadRequestUnits": 10}) == (
        "ValidationException", PREFIX + "MaxReadRequestUnits for OnDemandThroughput cannot be "
                                        "specified when the table BillingMode is PROVISIONED")
    client.update_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                        OnDemandThroughput={"MaxReadRequestUnits": 10})
    settle(client, table)
    assert described(client, table)["OnDemandThroughput"] == {
        "MaxReadRequestUnits": 10, "MaxWriteRequestUnits": -1}

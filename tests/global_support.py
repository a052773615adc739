"""Helpers of the global-table tests: boto3 clients of several regions
(over HTTP to the session's server, or embedded), replicas, errors."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from support import NO_RETRIES, wait_for

EAST, WEST, CENTRAL = "us-east-1", "us-west-2", "eu-central-1"


@pytest.fixture(params=["http", "embedded"])
def client_in(request, server_url, embedded_db):
    """client_in(region, service="dynamodb"): a boto3 client of that region,
    over HTTP to the session's server or embedded, in turn."""
    def make(region: str, service: str = "dynamodb"):
        if request.param == "http":
            return region_client(server_url, region, service)
        return embedded_db.client(service, region_name=region, config=NO_RETRIES)
    return make


def region_client(url: str, region: str, service: str = "dynamodb"):
    return boto3.client(service, endpoint_url=url, region_name=region,
                        aws_access_key_id="any", aws_secret_access_key="any", config=NO_RETRIES)


def add_replica(client, name: str, region: str) -> dict:
    description = client.update_table(
        TableName=name, ReplicaUpdates=[{"Create": {"RegionName": region}}])["TableDescription"]
    wait_for(lambda: all(replica["ReplicaStatus"] == "ACTIVE" for replica in
                         client.describe_table(TableName=name)["Table"]["Replicas"])
             and client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE")
    return description


def item_of(client, name: str, key: str) -> dict | None:
    return client.get_item(TableName=name, Key={"pk": {"S": key}},
                           ConsistentRead=True).get("Item")


def error_of(call, **request) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**request)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]

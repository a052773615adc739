"""Resource-based policies: PutResourcePolicy, GetResourcePolicy,
DeleteResourcePolicy with revision ids and ExpectedRevisionId, the policy
document's checks, CreateTable's ResourcePolicy, over HTTP and embedded."""
from __future__ import annotations

import json

import pytest
import support
from support import create_table, error_of, open_db, unique_name

PREFIX = "One or more parameter values were invalid: "


def policy(arn: str, action: str = "dynamodb:GetItem", sid: str = "read") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": sid, "Effect": "Allow", "Action": action, "Resource": arn,
        "Principal": {"AWS": "arn:aws:iam::000000000000:role/reader"}}]})


def arn_of(client, table: str) -> str:
    return client.describe_table(TableName=table)["Table"]["TableArn"]


def test_put_get_delete_with_revisions(client, table):
    arn = arn_of(client, table)
    assert error_of(client.get_resource_policy, ResourceArn=arn)[0] == "PolicyNotFoundException"
    first = client.put_resource_policy(ResourceArn=arn, Policy=policy(arn))["RevisionId"]
    assert first.isdigit()
    got = client.get_resource_policy(ResourceArn=arn)
    assert (got["Policy"], got["RevisionId"]) == (policy(arn), first)
    # the same document again keeps its revision
    assert client.put_resource_policy(ResourceArn=arn, Policy=policy(arn))["RevisionId"] == first
    second = client.put_resource_policy(ResourceArn=arn, Policy=policy(arn, "dynamodb:Query"),
                                        ExpectedRevisionId=first)["RevisionId"]
    assert int(second) > int(first)
    assert error_of(client.put_resource_policy, ResourceArn=arn, Policy=policy(arn),
                    ExpectedRevisionId=first)[0] == "PolicyNotFoundException"
    assert error_of(client.delete_resource_policy, ResourceArn=arn,
                    ExpectedRevisionId=first)[0] == "PolicyNotFoundException"
    assert client.get_resource_policy(ResourceArn=arn)["RevisionId"] == second
    client.delete_resource_policy(ResourceArn=arn, ExpectedRevisionId=second)
    assert error_of(client.get_resource_policy, ResourceArn=arn)[0] == "PolicyNotFoundException"
    assert error_of(client.delete_resource_policy, ResourceArn=arn)[0] == (
        "PolicyNotFoundException")


def test_stream_policies(client):
    table = create_table(client, StreamSpecification={"StreamEnabled": True,
                                                      "StreamViewType": "KEYS_ONLY"})
    stream_arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    client.put_resource_policy(ResourceArn=stream_arn, Policy=policy(
        stream_arn, "dynamodb:GetRecords"))
    assert client.get_resource_policy(ResourceArn=stream_arn)["Policy"] == policy(
        stream_arn, "dynamodb:GetRecords")
    table_arn = arn_of(client, table)
    assert error_of(client.get_resource_policy, ResourceArn=table_arn)[0] == (
        "PolicyNotFoundException")


def test_create_table_with_a_policy_and_policies_go_with_the_table(client):
    name = unique_name()
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}"
    create_table(client, TableName=name, ResourcePolicy=policy(arn))
    assert client.get_resource_policy(ResourceArn=arn)["Policy"] == policy(arn)
    client.delete_table(TableName=name)
    client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    assert error_of(client.get_resource_policy, ResourceArn=arn) == (
        "ResourceNotFoundException", f"Requested resource not found: Table: {name} not found")
    create_table(client, TableName=name)  # a new table of that name has no policy
    assert error_of(client.get_resource_policy, ResourceArn=arn)[0] == "PolicyNotFoundException"


@pytest.mark.parametrize("document, message", [
    ("not json", PREFIX + "Invalid policy document: This policy contains invalid Json"),
    ("null", PREFIX + "Invalid policy document: This text appears not to be a policy"),
    ('{"Statement": []}', PREFIX + "Invalid policy document: Could not parse the policy: "
                                   "Statement is empty!"),
    ('{"Statement": [{}]}', PREFIX + "Invalid policy document: Missing required field Effect"),
    ('{"Statement": [{"Effect": "Allow"}]}',
     PREFIX + "Invalid policy document: Missing required field Resource"),
    (json.dumps({"Statement": [{"Sid": "a", "Effect": "Deny", "Resource": "*"},
                               {"Sid": "a", "Effect": "Deny", "Resource": "*"}]}),
     PREFIX + "Invalid policy document: The Statement Ids in the policy are not unique"),
    (json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Resource": "*",
                                "Action": "dynamodb:*"}]}),
     "Resource-based policy grants unbounded access in one or more elements. Please revise "
     "the policy to ensure least-privilege form of access"),
    (json.dumps({"Statement": [{"Effect": "Deny", "Resource": "*", "Sid": "x" * 21000}]}),
     PREFIX + "Maximum policy size of 20480 bytes exceeded"),
])
def test_bad_documents(client, table, document, message):
    arn = arn_of(client, table)
    assert error_of(client.put_resource_policy, ResourceArn=arn, Policy=document) == (
        "ValidationException", message)
    assert error_of(client.get_resource_policy, ResourceArn=arn)[0] == "PolicyNotFoundException"


def test_resource_arn_errors(client, table):
    arn = arn_of(client, table)
    assert error_of(client.get_resource_policy, ResourceArn=table) == (
        "ValidationException", PREFIX + f"ARNs must start with 'arn:': {table}")
    index_arn = arn + "/index/some-index"
    assert error_of(client.get_resource_policy, ResourceArn=index_arn)[1] == (
        PREFIX + "Invalid resource arn provided, only table or stream is accepted. Provided "
                 f"resource arn: {index_arn}")
    other_region = arn.replace("us-east-1", "eu-west-1")
    assert error_of(client.get_resource_policy, ResourceArn=other_region)[1] == (
        PREFIX + f"Invalid resource Arn: {other_region}")
    assert error_of(client.get_resource_policy, ResourceArn=arn.replace(
        "000000000000", "123456789012"))[1] == (
        "This action is only supported by accounts that match the resource owner’s account.")
    missing = unique_name()
    assert error_of(client.put_resource_policy, ResourceArn=arn.replace(table, missing),
                    Policy=policy(arn)) == (
        "ResourceNotFoundException", f"Requested resource not found: Table: {missing} not found")


def test_policies_survive_a_restart(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing after close")
    with open_db(str(tmp_path), table_status_delay=0.0) as db:
        client = db.client()
        table = create_table(client)
        arn = arn_of(client, table)
        revision = client.put_resource_policy(ResourceArn=arn, Policy=policy(arn))["RevisionId"]
    with open_db(str(tmp_path), table_status_delay=0.0) as db:
        assert db.client().get_resource_policy(ResourceArn=arn)["RevisionId"] == revision

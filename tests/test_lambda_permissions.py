"""Lambda resource policies and tags, end to end over HTTP and embedded:
AddPermission / RemovePermission / GetPolicy as AWS answers them (policy
JSON, RevisionId, duplicate and missing statements, qualifiers), and
TagResource / UntagResource / ListTags on function ARNs."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from support import create_function, error_of, unique_name

from dynalite_py.lambda_.permissions.policies import principal_of

ACCOUNT_ARN = "arn:aws:lambda:us-east-1:000000000000:function"
HANDLER = "def handler(event, context):\n    return 'ok'\n"
INVOKE = "lambda:InvokeFunction"


def policy_of(lambda_client, **request) -> tuple[dict, str]:
    answer = lambda_client.get_policy(**request)
    return json.loads(answer["Policy"]), answer["RevisionId"]


def test_add_permission_and_get_policy(lambda_client):
    name = create_function(lambda_client, HANDLER)
    added = lambda_client.add_permission(
        FunctionName=name, StatementId="s3-invoke", Action=INVOKE, Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::uploads", SourceAccount="123456789012")
    statement = {"Sid": "s3-invoke", "Effect": "Allow",
                 "Principal": {"Service": "s3.amazonaws.com"}, "Action": INVOKE,
                 "Resource": f"{ACCOUNT_ARN}:{name}",
                 "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"},
                               "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::uploads"}}}
    assert json.loads(added["Statement"]) == statement
    lambda_client.add_permission(FunctionName=name, StatementId="account", Action="lambda:*",
                                 Principal="111122223333")
    policy, revision = policy_of(lambda_client, FunctionName=name)
    assert policy == {"Version": "2012-10-17", "Id": "default", "Statement": [
        statement, {"Sid": "account", "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "lambda:*", "Resource": f"{ACCOUNT_ARN}:{name}"}]}
    assert revision


def test_a_duplicate_statement_id_is_a_conflict(lambda_client):
    name = create_function(lambda_client, HANDLER)
    lambda_client.add_permission(FunctionName=name, StatementId="once", Action=INVOKE,
                                 Principal="events.amazonaws.com")
    _, revision = policy_of(lambda_client, FunctionName=name)
    assert error_of(lambda_client.add_permission, FunctionName=name, StatementId="once",
                    Action=INVOKE, Principal="sns.amazonaws.com") == (
        "ResourceConflictException",
        "The statement id (once) provided already exists. Please provide a new statement id, "
        "or remove the existing statement.")
    policy, unchanged = policy_of(lambda_client, FunctionName=name)
    assert unchanged == revision and len(policy["Statement"]) == 1
    assert policy["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}


def test_revision_ids_guard_policy_changes(lambda_client):
    name = create_function(lambda_client, HANDLER)
    lambda_client.add_permission(FunctionName=name, StatementId="a", Action=INVOKE,
                                 Principal="*")
    _, revision = policy_of(lambda_client, FunctionName=name)
    code, message = error_of(lambda_client.add_permission, FunctionName=name, StatementId="b",
                             Action=INVOKE, Principal="*", RevisionId="stale")
    assert code == "PreconditionFailedException"
    assert message.startswith("The Revision Id provided does not match the latest Revision Id.")
    lambda_client.add_permission(FunctionName=name, StatementId="b", Action=INVOKE,
                                 Principal="*", RevisionId=revision)
    policy, newer = policy_of(lambda_client, FunctionName=name)
    assert newer != revision and [s["Sid"] for s in policy["Statement"]] == ["a", "b"]
    assert policy["Statement"][1]["Principal"] == "*"
    assert error_of(lambda_client.remove_permission, FunctionName=name, StatementId="a",
                    RevisionId=revision)[0] == "PreconditionFailedException"
    lambda_client.remove_permission(FunctionName=name, StatementId="a", RevisionId=newer)
    assert [s["Sid"] for s in policy_of(lambda_client, FunctionName=name)[0]["Statement"]] \
        == ["b"]


def test_remove_permission_and_the_errors_of_a_missing_policy(lambda_client):
    name = create_function(lambda_client, HANDLER)
    assert error_of(lambda_client.get_policy, FunctionName=name) == (
        "ResourceNotFoundException", "The resource you requested does not exist.")
    assert error_of(lambda_client.remove_permission, FunctionName=name, StatementId="x") == (
        "ResourceNotFoundException", "No policy is associated with the given resource.")
    lambda_client.add_permission(FunctionName=name, StatementId="only", Action=INVOKE,
                                 Principal="s3.amazonaws.com")
    assert error_of(lambda_client.remove_permission, FunctionName=name, StatementId="x") == (
        "ResourceNotFoundException", "Statement x is not found in resource policy.")
    lambda_client.remove_permission(FunctionName=name, StatementId="only")
    assert error_of(lambda_client.get_policy, FunctionName=name)[0] \
        == "ResourceNotFoundException"
    missing = unique_name("none")
    assert error_of(lambda_client.add_permission, FunctionName=missing, StatementId="a",
                    Action=INVOKE, Principal="*") == (
        "ResourceNotFoundException", f"Function not found: {ACCOUNT_ARN}:{missing}")


def test_policies_per_version_and_alias(lambda_client):
    name = create_function(lambda_client, HANDLER, Publish=True)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lambda_client.add_permission(FunctionName=name, Qualifier="live", StatementId="alias",
                                 Action=INVOKE, Principal="apigateway.amazonaws.com")
    lambda_client.add_permission(FunctionName=f"{name}:1", StatementId="version",
                                 Action=INVOKE, Principal="apigateway.amazonaws.com")
    alias_policy, _ = policy_of(lambda_client, FunctionName=name, Qualifier="live")
    assert [(s["Sid"], s["Resource"]) for s in alias_policy["Statement"]] == [
        ("alias", f"{ACCOUNT_ARN}:{name}:live")]
    version_policy, _ = policy_of(lambda_client, FunctionName=f"{name}:1")
    assert [s["Sid"] for s in version_policy["Statement"]] == ["version"]
    assert error_of(lambda_client.get_policy, FunctionName=name)[0] \
        == "ResourceNotFoundException"  # the unqualified function has none of its own
    assert error_of(lambda_client.add_permission, FunctionName=name, Qualifier="9",
                    StatementId="x", Action=INVOKE, Principal="*") == (
        "ResourceNotFoundException", f"Function not found: {ACCOUNT_ARN}:{name}:9")
    lambda_client.delete_alias(FunctionName=name, Name="live")
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert error_of(lambda_client.get_policy, FunctionName=name, Qualifier="live")[0] \
        == "ResourceNotFoundException"  # a deleted alias's policy went with it


@given(account=st.from_regex(r"[0-9]{12}", fullmatch=True),
       service=st.from_regex(r"[a-z][a-z0-9-]{0,20}\.amazonaws\.com", fullmatch=True))
def test_principals_as_the_policy_states_them(account, service):
    assert principal_of(account) == {"AWS": f"arn:aws:iam::{account}:root"}
    assert principal_of(service) == {"Service": service}
    role = f"arn:aws:iam::{account}:role/caller"
    assert principal_of(role) == {"AWS": role}
    assert principal_of("*") == "*"


def test_tags_on_a_function(lambda_client):
    name = create_function(lambda_client, HANDLER, Tags={"team": "data", "stage": "dev"})
    arn = f"{ACCOUNT_ARN}:{name}"
    assert lambda_client.list_tags(Resource=arn)["Tags"] == {"team": "data", "stage": "dev"}
    lambda_client.tag_resource(Resource=arn, Tags={"stage": "prod", "cost": "42"})
    assert lambda_client.list_tags(Resource=arn)["Tags"] == {
        "team": "data", "stage": "prod", "cost": "42"}
    lambda_client.untag_resource(Resource=arn, TagKeys=["team", "absent"])
    assert lambda_client.list_tags(Resource=arn)["Tags"] == {"stage": "prod", "cost": "42"}
    assert lambda_client.get_function(FunctionName=name)["Tags"] == {"stage": "prod",
                                                                     "cost": "42"}
    # tags belong to the function: updates and versions leave them alone
    lambda_client.update_function_configuration(FunctionName=name, Timeout=5)
    lambda_client.publish_version(FunctionName=name)
    assert lambda_client.list_tags(Resource=arn)["Tags"] == {"stage": "prod", "cost": "42"}


def test_tag_errors(lambda_client):
    name = create_function(lambda_client, HANDLER, Publish=True)
    missing = f"{ACCOUNT_ARN}:{unique_name('none')}"
    for call, extra in ((lambda_client.list_tags, {}),
                        (lambda_client.tag_resource, {"Tags": {"a": "b"}}),
                        (lambda_client.untag_resource, {"TagKeys": ["a"]})):
        assert error_of(call, Resource=missing, **extra) == (
            "ResourceNotFoundException", f"Function not found: {missing}")
        assert error_of(call, Resource=f"{ACCOUNT_ARN}:{name}:1", **extra) == (
            "InvalidParameterValueException",
            "Tags on function aliases and versions are not supported. Please specify a "
            "function ARN.")
    too_many = {f"k{n}": "v" for n in range(51)}
    assert error_of(lambda_client.tag_resource, Resource=f"{ACCOUNT_ARN}:{name}",
                    Tags=too_many)[0] == "InvalidParameterValueException"
    assert lambda_client.list_tags(Resource=f"{ACCOUNT_ARN}:{name}")["Tags"] == {}


def test_every_condition_addpermission_takes(lambda_client):
    name = create_function(lambda_client, HANDLER)
    added = json.loads(lambda_client.add_permission(
        FunctionName=name, StatementId="all", Action="lambda:InvokeFunctionUrl",
        Principal="*", PrincipalOrgID="o-abcdefghij", EventSourceToken="token-1",
        FunctionUrlAuthType="NONE", SourceArn="arn:aws:events:us-east-1:000000000000:rule/r",
        SourceAccount="000000000000")["Statement"])
    assert added["Condition"] == {
        "StringEquals": {"AWS:SourceAccount": "000000000000",
                         "aws:PrincipalOrgID": "o-abcdefghij",
                         "lambda:EventSourceToken": "token-1",
                         "lambda:FunctionUrlAuthType": "NONE"},
        "ArnLike": {"AWS:SourceArn": "arn:aws:events:us-east-1:000000000000:rule/r"}}
    assert added["Principal"] == "*" and added["Action"] == "lambda:InvokeFunctionUrl"


def test_policies_go_with_their_version_and_function(lambda_client):
    name = create_function(lambda_client, HANDLER, Publish=True)
    lambda_client.add_permission(FunctionName=name, Qualifier="1", StatementId="v1",
                                 Action=INVOKE, Principal="sns.amazonaws.com")
    lambda_client.add_permission(FunctionName=name, StatementId="fn", Action=INVOKE,
                                 Principal="sns.amazonaws.com")
    lambda_client.update_function_configuration(FunctionName=name, Timeout=6)
    assert [s["Sid"] for s in policy_of(lambda_client, FunctionName=name)[0]["Statement"]] \
        == ["fn"]  # configuration changes keep the policy
    lambda_client.delete_function(FunctionName=name, Qualifier="1")
    lambda_client.update_function_configuration(FunctionName=name, Timeout=7)
    assert lambda_client.publish_version(FunctionName=name)["Version"] == "2"
    assert error_of(lambda_client.get_policy, FunctionName=name, Qualifier="2")[0] \
        == "ResourceNotFoundException"
    lambda_client.delete_function(FunctionName=name)
    create_function(lambda_client, HANDLER, name=name)
    assert error_of(lambda_client.get_policy, FunctionName=name) == (
        "ResourceNotFoundException", "The resource you requested does not exist.")
    assert lambda_client.list_tags(Resource=f"{ACCOUNT_ARN}:{name}")["Tags"] == {}

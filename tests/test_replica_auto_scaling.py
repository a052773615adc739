"""DescribeTableReplicaAutoScaling and UpdateTableReplicaAutoScaling on
global tables (2019.11.21): settings kept per dimension, the same from every
region, validated with AWS's messages (as ack-api-quirks captured them),
over HTTP and embedded, on every backend."""
from __future__ import annotations

import re

import pytest
from global_support import (
    CENTRAL,
    EAST,
    WEST,
    add_replica,
    client_in,  # noqa: F401 (a fixture)
    error_of,
)
from support import create_table, unique_name

from dynalite_py.dynamodb.global_tables.auto_scaling import java_double

NEVER = {"AutoScalingDisabled": True, "ScalingPolicies": []}
ROLE = ("arn:aws:iam::000000000000:role/aws-service-role/"
        "dynamodb.application-autoscaling.amazonaws.com/"
        "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable")


def scaling(minimum: int = 2, maximum: int = 20, target: float = 70.0, **policy) -> dict:
    tracking = {"TargetValue": target, **{key: value for key, value in policy.items()
                                          if key != "PolicyName"}}
    update = {"TargetTrackingScalingPolicyConfiguration": tracking}
    if "PolicyName" in policy:
        update["PolicyName"] = policy["PolicyName"]
    return {"MinimumUnits": minimum, "MaximumUnits": maximum, "ScalingPolicyUpdate": update}


def provisioned_global_table(client_in) -> str:
    east = client_in(EAST)
    name = unique_name()
    east.create_table(
        TableName=name, BillingMode="PROVISIONED",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}])
    east.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    add_replica(east, name, WEST)
    return name


def test_never_configured_settings_read_as_disabled_from_every_region(client_in):
    name = provisioned_global_table(client_in)
    answers = [client_in(region).describe_table_replica_auto_scaling(
        TableName=name)["TableAutoScalingDescription"] for region in (EAST, WEST)]
    assert answers[0] == answers[1]  # each region lists every replica, itself too
    description = answers[0]
    assert description["TableName"] == name and description["TableStatus"] == "ACTIVE"
    assert [replica["RegionName"] for replica in description["Replicas"]] == [EAST, WEST]
    for replica in description["Replicas"]:
        assert replica["ReplicaStatus"] == "ACTIVE"
        assert replica["ReplicaProvisionedReadCapacityAutoScalingSettings"] == NEVER
        assert replica["ReplicaProvisionedWriteCapacityAutoScalingSettings"] == NEVER
        assert replica["GlobalSecondaryIndexes"] == [{
            "IndexName": "by-g", "IndexStatus": "ACTIVE",
            "ProvisionedReadCapacityAutoScalingSettings": NEVER,
            "ProvisionedWriteCapacityAutoScalingSettings": NEVER}]


def test_write_settings_go_to_every_replica_and_read_settings_to_one(client_in):
    name = provisioned_global_table(client_in)
    east = client_in(EAST)
    answer = east.update_table_replica_auto_scaling(
        TableName=name,
        ProvisionedWriteCapacityAutoScalingUpdate=scaling(1, 10, 55.0, PolicyName="writes",
                                                          DisableScaleIn=True,
                                                          ScaleInCooldown=120,
                                                          ScaleOutCooldown=60),
        GlobalSecondaryIndexUpdates=[{"IndexName": "by-g",
                                      "ProvisionedWriteCapacityAutoScalingUpdate": scaling()}],
        ReplicaUpdates=[{"RegionName": WEST,
                         "ReplicaProvisionedReadCapacityAutoScalingUpdate": scaling(3, 30, 40),
                         "ReplicaGlobalSecondaryIndexUpdates": [{
                             "IndexName": "by-g",
                             "ProvisionedReadCapacityAutoScalingUpdate": scaling(4, 40)}]}],
    )["TableAutoScalingDescription"]
    # the answer is what a Describe from the other region then shows
    assert answer == client_in(WEST).describe_table_replica_auto_scaling(
        TableName=name)["TableAutoScalingDescription"]
    replicas = {replica["RegionName"]: replica for replica in answer["Replicas"]}
    writes = {"MinimumUnits": 1, "MaximumUnits": 10, "AutoScalingDisabled": False,
              "AutoScalingRoleArn": ROLE, "ScalingPolicies": [{
                  "PolicyName": "writes", "TargetTrackingScalingPolicyConfiguration": {
                      "TargetValue": 55.0, "DisableScaleIn": True, "ScaleInCooldown": 120,
                      "ScaleOutCooldown": 60}}]}
    for region in (EAST, WEST):
        assert replicas[region]["ReplicaProvisionedWriteCapacityAutoScalingSettings"] == writes
        [index] = replicas[region]["GlobalSecondaryIndexes"]
        assert index["ProvisionedWriteCapacityAutoScalingSettings"]["ScalingPolicies"] == [{
            "PolicyName": f"DynamoDBWriteCapacityUtilization:table/{name}/index/by-g",
            "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70.0,
                                                         "DisableScaleIn": False}}]
    assert replicas[EAST]["ReplicaProvisionedReadCapacityAutoScalingSettings"] == NEVER
    west_reads = replicas[WEST]["ReplicaProvisionedReadCapacityAutoScalingSettings"]
    assert (west_reads["MinimumUnits"], west_reads["MaximumUnits"]) == (3, 30)
    assert west_reads["ScalingPolicies"][0]["PolicyName"] == (
        f"DynamoDBReadCapacityUtilization:table/{name}")
    [west_index] = replicas[WEST]["GlobalSecondaryIndexes"]
    assert west_index["ProvisionedReadCapacityAutoScalingSettings"]["MinimumUnits"] == 4
    assert replicas[EAST]["GlobalSecondaryIndexes"][0][
        "ProvisionedReadCapacityAutoScalingSettings"] == NEVER
    # a policy of another name replaces the one there; disabling resets
    east.update_table_replica_auto_scaling(
        TableName=name, ProvisionedWriteCapacityAutoScalingUpdate=scaling(
            2, 8, 60, PolicyName="renamed"))
    east.update_table_replica_auto_scaling(TableName=name, ReplicaUpdates=[{
        "RegionName": WEST,
        "ReplicaProvisionedReadCapacityAutoScalingUpdate": {"AutoScalingDisabled": True}}])
    replicas = {replica["RegionName"]: replica for replica in
                east.describe_table_replica_auto_scaling(
                    TableName=name)["TableAutoScalingDescription"]["Replicas"]}
    assert [policy["PolicyName"] for policy in replicas[WEST][
        "ReplicaProvisionedWriteCapacityAutoScalingSettings"]["ScalingPolicies"]] == ["renamed"]
    assert replicas[WEST]["ReplicaProvisionedReadCapacityAutoScalingSettings"] == NEVER
    # settings are not overrides: DescribeTable's Replicas stays as it was
    [other] = east.describe_table(TableName=name)["Table"]["Replicas"]
    assert set(other) == {"RegionName", "ReplicaStatus", "GlobalTableSettingsReplicationMode"}


def test_a_table_arn_names_the_table(client_in):
    name = provisioned_global_table(client_in)
    east = client_in(EAST)
    arn = east.describe_table(TableName=name)["Table"]["TableArn"]
    assert east.describe_table_replica_auto_scaling(
        TableName=arn)["TableAutoScalingDescription"]["TableName"] == name
    east.update_table_replica_auto_scaling(
        TableName=arn, ProvisionedWriteCapacityAutoScalingUpdate={"AutoScalingDisabled": True})


def test_only_global_tables_have_replica_auto_scaling(client_in):
    east = client_in(EAST)
    regional = create_table(east)
    for name in (regional, "no-such-table"):
        message = f"Global table with name: '{name}' does not exist."
        assert error_of(east.describe_table_replica_auto_scaling, TableName=name) == (
            "ResourceNotFoundException", message)
        assert error_of(east.update_table_replica_auto_scaling, TableName=name,
                        ProvisionedWriteCapacityAutoScalingUpdate=scaling()) == (
            "ResourceNotFoundException", message)
    # and not after its last replica is gone
    add_replica(east, regional, WEST)
    assert east.describe_table_replica_auto_scaling(TableName=regional)
    east.update_table(TableName=regional, ReplicaUpdates=[{"Delete": {"RegionName": WEST}}])
    assert error_of(east.describe_table_replica_auto_scaling, TableName=regional)[0] == (
        "ResourceNotFoundException")


def failure(name: str, detail: str) -> str:
    return f"Failed to update settings for global table with name: \u2018{name}\u2019{detail}"


def test_what_aws_refuses(client_in):
    name = provisioned_global_table(client_in)
    east = client_in(EAST)

    def refused(**request) -> tuple[str, str]:
        return error_of(east.update_table_replica_auto_scaling, TableName=name, **request)

    def write(update: dict) -> tuple[str, str]:
        return refused(ProvisionedWriteCapacityAutoScalingUpdate=update)

    required = ": Parameters {} are required unless auto scaling is being disabled."
    full = scaling()
    without = {field: {key: value for key, value in full.items() if key != field}
               for field in full}
    assert write({}) == ("ValidationException", failure(name, required.format(
        "'MaximumUnits', 'ScalingPolicyUpdate', 'MinimumUnits'")))
    assert write({"AutoScalingDisabled": False}) == write({})
    assert write({"MinimumUnits": 1}) == ("ValidationException", failure(
        name, required.format("'MaximumUnits', 'ScalingPolicyUpdate'")))
    assert write(without["ScalingPolicyUpdate"]) == ("ValidationException", failure(
        name, required.format("'ScalingPolicyUpdate'")))
    assert write({"ScalingPolicyUpdate": full["ScalingPolicyUpdate"]}) == (
        "ValidationException", failure(name, required.format("'MaximumUnits', 'MinimumUnits'")))
    code, message = write(scaling(5, 4))
    assert code == "ValidationException"
    assert re.fullmatch(r"Maximum capacity cannot be less than minimum capacity \(Service: "
                        r"AWSApplicationAutoScaling; Status Code: 400; Error Code: "
                        r"ValidationException; Request ID: [0-9a-f-]{36}; Proxy: null\)", message)
    for target, shown in ((90.1, "90.1"), (100, "100.0"), (9.5, "9.5")):
        code, message = write(scaling(target=target))
        assert message.startswith(
            "For predefined metric type DynamoDBWriteCapacityUtilization, target value must be "
            f"between '10.0' and '90.0', but was '{shown}'. (Service: AWSApplicationAutoScaling")
    code, message = refused(ReplicaUpdates=[{
        "RegionName": WEST, "ReplicaProvisionedReadCapacityAutoScalingUpdate": scaling(target=0)}])
    assert message.startswith("For target tracking scaling, target value must be between "
                              "'8.51592E-109' and '1.174271E108', but was '0.0'.")
    assert refused(ReplicaUpdates=[{"RegionName": WEST}]) == ("ValidationException", failure(
        name, " because at least one update parameter must be specified for region: "
        f"\u2018{WEST}\u2019."))
    assert refused()[0] == "ValidationException"
    read = {"ReplicaProvisionedReadCapacityAutoScalingUpdate": full}
    assert refused(ReplicaUpdates=[{"RegionName": WEST, **read},
                                   {"RegionName": WEST, **read}])[0] == "ValidationException"
    for region in (CENTRAL, "nowhere-1"):
        assert refused(ReplicaUpdates=[{"RegionName": region, **read}])[0] == (
            "ResourceNotFoundException")
    assert refused(GlobalSecondaryIndexUpdates=[{
        "IndexName": "missing", "ProvisionedWriteCapacityAutoScalingUpdate": full}])[0] == (
        "ResourceNotFoundException")
    # nothing was kept of the refused updates, not even a valid part of one
    assert refused(ProvisionedWriteCapacityAutoScalingUpdate=full,
                   ReplicaUpdates=[{"RegionName": CENTRAL, **read}])[0] == (
        "ResourceNotFoundException")
    for replica in east.describe_table_replica_auto_scaling(
            TableName=name)["TableAutoScalingDescription"]["Replicas"]:
        assert replica["ReplicaProvisionedWriteCapacityAutoScalingSettings"] == NEVER
        assert replica["ReplicaProvisionedReadCapacityAutoScalingSettings"] == NEVER
    # what passes: the bounds themselves, cooldowns AWS echoes as given
    east.update_table_replica_auto_scaling(TableName=name, ProvisionedWriteCapacityAutoScalingUpdate=
                                           scaling(5, 5, 10.0, ScaleInCooldown=-1))


def test_an_on_demand_global_table_may_only_disable(client_in):
    east = client_in(EAST)
    name = create_table(east)
    add_replica(east, name, WEST)
    description = east.update_table_replica_auto_scaling(
        TableName=name, ProvisionedWriteCapacityAutoScalingUpdate={"AutoScalingDisabled": True},
    )["TableAutoScalingDescription"]
    assert all(replica["ReplicaProvisionedWriteCapacityAutoScalingSettings"] == NEVER
               and replica["GlobalSecondaryIndexes"] == [] for replica in description["Replicas"])
    code, _ = error_of(east.update_table_replica_auto_scaling, TableName=name,
                       ProvisionedWriteCapacityAutoScalingUpdate=scaling())
    assert code == "ValidationException"


@pytest.mark.parametrize("value, shown", [
    (0.0, "0.0"), (90.1, "90.1"), (100, "100.0"), (8.51592e-109, "8.51592E-109"),
    (1.174271e108, "1.174271E108"), (1e9, "1.0E9"), (12345678.0, "1.2345678E7"),
    (-2.5e-5, "-2.5E-5"), (0.001, "0.001")])
def test_doubles_print_as_java_prints_them(value, shown):
    assert java_double(value) == shown

"""Global tables version 2017.11.29 (Legacy): CreateGlobalTable joins
same-named empty tables of several regions, which then replicate both ways;
DescribeGlobalTable, ListGlobalTables, UpdateGlobalTable (add a region, its
table filled with the items; remove one, its table kept), and the
GlobalTableSettings operations. boto3 clients of three regions, over HTTP
and embedded, on every backend."""
from __future__ import annotations

import datetime

from global_support import (
    CENTRAL,
    EAST,
    WEST,
    add_replica,
    client_in,  # noqa: F401 (a fixture)
    error_of,
    item_of,
)
from support import create_table, unique_name, wait_for

STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def legacy_tables(client_in, regions, **extra) -> str:
    """The same empty table, with a NEW_AND_OLD_IMAGES stream, in each region."""
    name = unique_name()
    for region in regions:
        create_table(client_in(region), TableName=name, StreamSpecification=STREAM, **extra)
    return name


def create_group(client_in, regions=(EAST, WEST), **extra) -> str:
    name = legacy_tables(client_in, regions, **extra)
    client_in(regions[0]).create_global_table(
        GlobalTableName=name, ReplicationGroup=[{"RegionName": r} for r in regions])
    return name


def test_a_legacy_group_is_described_listed_and_replicated_both_ways(client_in):
    east, west = client_in(EAST), client_in(WEST)
    name = legacy_tables(client_in, (EAST, WEST))
    description = east.create_global_table(
        GlobalTableName=name, ReplicationGroup=[{"RegionName": EAST}, {"RegionName": WEST}],
    )["GlobalTableDescription"]
    assert description["GlobalTableName"] == name
    assert description["GlobalTableArn"] == f"arn:aws:dynamodb::000000000000:global-table/{name}"
    assert description["ReplicationGroup"] == [{"RegionName": EAST}, {"RegionName": WEST}]
    assert isinstance(description["CreationDateTime"], datetime.datetime)
    assert description["GlobalTableStatus"] in ("CREATING", "ACTIVE")
    for client in (east, west):
        assert wait_for(lambda client=client: client.describe_global_table(
            GlobalTableName=name)["GlobalTableDescription"]["GlobalTableStatus"] == "ACTIVE")
        table = client.describe_table(TableName=name)["Table"]
        assert table["GlobalTableVersion"] == "2017.11.29" and "Replicas" not in table
        listed = client.list_global_tables()["GlobalTables"]
        assert {"GlobalTableName": name, "ReplicationGroup": [
            {"RegionName": EAST}, {"RegionName": WEST}]} in listed
    assert name not in [group["GlobalTableName"] for group in
                        client_in(CENTRAL).list_global_tables()["GlobalTables"]]
    assert name in [group["GlobalTableName"] for group in
                    client_in(CENTRAL).list_global_tables(RegionName=WEST)["GlobalTables"]]
    east.put_item(TableName=name, Item={"pk": {"S": "from-east"}})
    west.put_item(TableName=name, Item={"pk": {"S": "from-west"}})
    assert wait_for(lambda: item_of(west, name, "from-east"), 10)
    assert wait_for(lambda: item_of(east, name, "from-west"), 10)
    west.delete_item(TableName=name, Key={"pk": {"S": "from-east"}})
    assert wait_for(lambda: item_of(east, name, "from-east") is None, 10)


def test_a_region_joins_with_the_items_and_leaves_keeping_its_table(client_in):
    east, central = client_in(EAST), client_in(CENTRAL)
    name = create_group(client_in)
    east.put_item(TableName=name, Item={"pk": {"S": "before"}, "n": {"N": "1"}})
    assert wait_for(lambda: item_of(client_in(WEST), name, "before"), 10)
    create_table(central, TableName=name, StreamSpecification=STREAM)
    group = east.update_global_table(GlobalTableName=name, ReplicaUpdates=[
        {"Create": {"RegionName": CENTRAL}}])["GlobalTableDescription"]
    assert [r["RegionName"] for r in group["ReplicationGroup"]] == [CENTRAL, EAST, WEST]
    assert item_of(central, name, "before") == {"pk": {"S": "before"}, "n": {"N": "1"}}
    central.put_item(TableName=name, Item={"pk": {"S": "from-central"}})
    assert wait_for(lambda: item_of(client_in(WEST), name, "from-central"), 10)
    # a region leaves: its table stays, replicating no more
    group = east.update_global_table(GlobalTableName=name, ReplicaUpdates=[
        {"Delete": {"RegionName": CENTRAL}}])["GlobalTableDescription"]
    assert [r["RegionName"] for r in group["ReplicationGroup"]] == [EAST, WEST]
    table = central.describe_table(TableName=name)["Table"]
    assert "GlobalTableVersion" not in table and table["ItemCount"] >= 0
    assert error_of(central.describe_global_table, GlobalTableName=name)[0] == (
        "GlobalTableNotFoundException")
    central.put_item(TableName=name, Item={"pk": {"S": "alone"}})
    east.put_item(TableName=name, Item={"pk": {"S": "marker"}})
    assert wait_for(lambda: item_of(client_in(WEST), name, "marker"), 10)
    assert item_of(east, name, "alone") is None
    assert item_of(central, name, "marker") is None


def test_what_create_global_table_refuses(client_in):
    east = client_in(EAST)
    create = east.create_global_table
    plain = unique_name()
    create_table(east, TableName=plain)  # no stream
    create_table(client_in(WEST), TableName=plain, StreamSpecification=STREAM)
    group = [{"RegionName": EAST}, {"RegionName": WEST}]
    code, message = error_of(create, GlobalTableName=plain, ReplicationGroup=group)
    assert code == "ValidationException" and "NEW_AND_OLD_IMAGES" in message
    missing = unique_name()
    create_table(east, TableName=missing, StreamSpecification=STREAM)
    assert error_of(create, GlobalTableName=missing, ReplicationGroup=group)[0] == (
        "TableNotFoundException")
    full = legacy_tables(client_in, (EAST, WEST))
    east.put_item(TableName=full, Item={"pk": {"S": "x"}})
    code, message = error_of(create, GlobalTableName=full, ReplicationGroup=group)
    assert code == "ValidationException" and "empty" in message
    other_keys = unique_name()
    create_table(east, TableName=other_keys, StreamSpecification=STREAM)
    create_table(client_in(WEST), "N", TableName=other_keys, StreamSpecification=STREAM)
    code, message = error_of(create, GlobalTableName=other_keys, ReplicationGroup=group)
    assert code == "ValidationException" and "key schema" in message
    for bad in ([], [{"RegionName": EAST}, {"RegionName": EAST}], [{"RegionName": "nowhere"}]):
        assert error_of(create, GlobalTableName=full, ReplicationGroup=bad)[0] == (
            "ValidationException")
    name = create_group(client_in)
    assert error_of(create, GlobalTableName=name, ReplicationGroup=group)[0] == (
        "GlobalTableAlreadyExistsException")
    # nothing was half-made by the refusals
    for refused in (plain, missing, full, other_keys):
        assert "GlobalTableVersion" not in east.describe_table(TableName=refused)["Table"]


def test_the_versions_do_not_see_each_other(client_in):
    east = client_in(EAST)
    modern = create_table(east)
    add_replica(east, modern, WEST)
    regional = create_table(east)
    for name in (modern, regional, "no-such-table"):
        assert error_of(east.describe_global_table, GlobalTableName=name) == (
            "GlobalTableNotFoundException",
            f"Global table not found: Global table with name: '{name}' does not exist.")
        for call in (east.describe_global_table_settings,):
            assert error_of(call, GlobalTableName=name) == (
                "GlobalTableNotFoundException", f"Global table with name: '{name}' does not exist.")
        assert error_of(east.update_global_table, GlobalTableName=name, ReplicaUpdates=[
            {"Delete": {"RegionName": WEST}}])[0] == "GlobalTableNotFoundException"
    legacy = create_group(client_in)
    code, _ = error_of(east.update_table, TableName=legacy,
                       ReplicaUpdates=[{"Create": {"RegionName": CENTRAL}}])
    assert code == "ValidationException"
    assert error_of(east.describe_table_replica_auto_scaling, TableName=legacy)[0] == (
        "ResourceNotFoundException")


def test_what_update_global_table_refuses(client_in):
    east = client_in(EAST)
    name = create_group(client_in)
    update = east.update_global_table
    assert error_of(update, GlobalTableName=name, ReplicaUpdates=[
        {"Create": {"RegionName": WEST}}])[0] == "ReplicaAlreadyExistsException"
    assert error_of(update, GlobalTableName=name, ReplicaUpdates=[
        {"Delete": {"RegionName": CENTRAL}}])[0] == "ReplicaNotFoundException"
    assert error_of(update, GlobalTableName=name, ReplicaUpdates=[
        {"Create": {"RegionName": CENTRAL}}])[0] == "TableNotFoundException"
    assert error_of(update, GlobalTableName=name, ReplicaUpdates=[]) == (
        "ValidationException", "One or more parameter values were invalid")


def test_list_global_tables_pages(client_in):
    east = client_in(EAST)
    names = sorted(create_group(client_in) for _ in range(3))
    seen, start = [], None
    while True:
        page = east.list_global_tables(Limit=1, **(
            {"ExclusiveStartGlobalTableName": start} if start else {}))
        seen += [group["GlobalTableName"] for group in page["GlobalTables"]]
        start = page.get("LastEvaluatedGlobalTableName")
        if not start:
            break
        assert len(page["GlobalTables"]) == 1
    assert [name for name in seen if name in names] == names


def provisioned(read: int = 5, write: int = 5) -> dict:
    return {"BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": read, "WriteCapacityUnits": write}}


def scaling(minimum: int, maximum: int) -> dict:
    return {"MinimumUnits": minimum, "MaximumUnits": maximum, "ScalingPolicyUpdate": {
        "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50.0}}}


def test_global_table_settings_change_every_region(client_in):
    east, west = client_in(EAST), client_in(WEST)
    name = create_group(client_in, **provisioned())
    settings = east.describe_global_table_settings(GlobalTableName=name)
    assert settings["GlobalTableName"] == name
    by_region = {r["RegionName"]: r for r in settings["ReplicaSettings"]}
    assert sorted(by_region) == [EAST, WEST]
    assert by_region[WEST]["ReplicaBillingModeSummary"] == {"BillingMode": "PROVISIONED"}
    assert by_region[WEST]["ReplicaProvisionedReadCapacityUnits"] == 5
    assert by_region[WEST]["ReplicaProvisionedWriteCapacityAutoScalingSettings"] == {
        "AutoScalingDisabled": True, "ScalingPolicies": []}
    answer = east.update_global_table_settings(
        GlobalTableName=name, GlobalTableProvisionedWriteCapacityUnits=7,
        GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate=scaling(3, 30),
        ReplicaSettingsUpdate=[{"RegionName": WEST, "ReplicaProvisionedReadCapacityUnits": 9,
                                "ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate":
                                    scaling(2, 20)}])
    by_region = {r["RegionName"]: r for r in answer["ReplicaSettings"]}
    assert (by_region[EAST]["ReplicaProvisionedReadCapacityUnits"],
            by_region[EAST]["ReplicaProvisionedWriteCapacityUnits"]) == (5, 7)
    assert (by_region[WEST]["ReplicaProvisionedReadCapacityUnits"],
            by_region[WEST]["ReplicaProvisionedWriteCapacityUnits"]) == (9, 7)
    for region in (EAST, WEST):
        assert by_region[region]["ReplicaProvisionedWriteCapacityAutoScalingSettings"][
            "MinimumUnits"] == 3
    assert by_region[WEST]["ReplicaProvisionedReadCapacityAutoScalingSettings"][
        "MaximumUnits"] == 20
    assert by_region[EAST]["ReplicaProvisionedReadCapacityAutoScalingSettings"][
        "AutoScalingDisabled"] is True
    # the tables themselves changed
    wait_for(lambda: west.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE")
    throughput = west.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (9, 7)
    assert answer == {**east.describe_global_table_settings(GlobalTableName=name),
                      "ResponseMetadata": answer["ResponseMetadata"]}


def test_what_update_global_table_settings_refuses(client_in):
    east = client_in(EAST)
    name = create_group(client_in, **provisioned())
    update = east.update_global_table_settings
    assert error_of(update, GlobalTableName=name, ReplicaSettingsUpdate=[
        {"RegionName": CENTRAL, "ReplicaProvisionedReadCapacityUnits": 3}])[0] == (
        "ReplicaNotFoundException")
    assert error_of(update, GlobalTableName=name, GlobalTableGlobalSecondaryIndexSettingsUpdate=[
        {"IndexName": "missing", "ProvisionedWriteCapacityUnits": 3}])[0] == (
        "IndexNotFoundException")
    assert error_of(update, GlobalTableName=name)[0] == "ValidationException"
    code, message = error_of(
        update, GlobalTableName=name,
        GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate={"MinimumUnits": 1})
    assert code == "ValidationException" and "required unless auto scaling" in message
    assert error_of(update, GlobalTableName="no-such-table", GlobalTableBillingMode=
                    "PAY_PER_REQUEST")[0] == "GlobalTableNotFoundException"
    # nothing changed
    for replica in east.describe_global_table_settings(GlobalTableName=name)["ReplicaSettings"]:
        assert replica["ReplicaProvisionedWriteCapacityUnits"] == 5

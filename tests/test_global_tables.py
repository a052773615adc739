"""Global tables (version 2019.11.21): UpdateTable ReplicaUpdates creates,
describes and deletes replicas in other regions, and replication carries
every write to the other replicas (last writer wins), after the simulated
lag, across a restart. boto3 clients of two and three regions, over HTTP
(and embedded), on every backend."""
from __future__ import annotations

import threading
import time

import pytest
import support
from botocore.exceptions import ClientError
from global_support import (
    CENTRAL,
    EAST,
    WEST,
    add_replica,
    client_in,  # noqa: F401 (a fixture)
    error_of,
    item_of,
    region_client,
)
from support import create_table, read_stream, start_server, wait_for


def test_a_replica_is_created_described_and_replicated_both_ways(client_in):
    east, west = client_in(EAST), client_in(WEST)
    name = create_table(east)
    east.put_item(TableName=name, Item={"pk": {"S": "before"}, "n": {"N": "1"}})
    description = add_replica(east, name, WEST)
    assert description["TableName"] == name
    for client, other in ((east, WEST), (west, EAST)):
        table = client.describe_table(TableName=name)["Table"]
        assert table["GlobalTableVersion"] == "2019.11.21"
        assert table["GlobalTableSettingsReplicationMode"] == "ENABLED_WITH_OVERRIDES"
        # each region lists the others, never itself (as AWS does)
        assert table["Replicas"] == [{"RegionName": other, "ReplicaStatus": "ACTIVE",
                                      "GlobalTableSettingsReplicationMode":
                                          "ENABLED_WITH_OVERRIDES"}]
        # AWS enables a NEW_AND_OLD_IMAGES stream on a table that had none
        assert table["StreamSpecification"] == {"StreamEnabled": True,
                                                "StreamViewType": "NEW_AND_OLD_IMAGES"}
        assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    # the items already there are copied; writes go both ways
    assert item_of(west, name, "before") == {"pk": {"S": "before"}, "n": {"N": "1"}}
    east.put_item(TableName=name, Item={"pk": {"S": "from-east"}})
    west.put_item(TableName=name, Item={"pk": {"S": "from-west"}})
    assert wait_for(lambda: item_of(west, name, "from-east"), 30)
    assert wait_for(lambda: item_of(east, name, "from-west"), 30)
    east.update_item(TableName=name, Key={"pk": {"S": "before"}},
                     UpdateExpression="SET n = n + :one",
                     ExpressionAttributeValues={":one": {"N": "1"}})
    assert wait_for(lambda: (item_of(west, name, "before") or {}).get("n") == {"N": "2"}, 30)
    west.delete_item(TableName=name, Key={"pk": {"S": "from-east"}})
    assert wait_for(lambda: item_of(east, name, "from-east") is None, 30)
    # each replica has its own stream: a replicated write appears in it,
    # naming the region it was written in, and is not sent back
    arn = west.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    records = read_stream(client_in(WEST, "dynamodbstreams"), arn)
    by_key = {(r["dynamodb"]["Keys"]["pk"]["S"], r["eventName"]): r for r in records}
    assert by_key[("from-east", "INSERT")]["awsRegion"] == EAST
    assert by_key[("from-west", "INSERT")]["awsRegion"] == WEST
    assert by_key[("from-east", "REMOVE")]["awsRegion"] == WEST
    assert by_key[("before", "MODIFY")]["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert len([r for r in records if r["dynamodb"]["Keys"]["pk"]["S"] == "from-west"]) == 1


def test_what_aws_refuses_in_replica_updates(client_in):
    east = client_in(EAST)
    name = create_table(east)
    update = east.update_table
    assert error_of(update, TableName=name,
                    ReplicaUpdates=[{"Create": {"RegionName": EAST}}]) == (
        "ValidationException", "Cannot add or delete the local region through ReplicaUpdates. "
        "Use CreateTable, DeleteTable, or UpdateTable as required.")
    code, message = error_of(update, TableName=name,
                             ReplicaUpdates=[{"Create": {"RegionName": "nowhere"}}])
    assert (code, message) == ("ValidationException", "Region nowhere is not supported.")
    for region in (WEST, CENTRAL):  # no replica there: AWS names the regions
        for action in ("Delete", "Update"):
            extra = {"TableClassOverride": "STANDARD"} if action == "Update" else {}
            assert error_of(update, TableName=name, ReplicaUpdates=[
                {action: {"RegionName": region, **extra}}]) == (
                "ValidationException", "Update global table operation failed because one or "
                "more replicas were not part of the global table. Please retry the request "
                f"without these replicas: [{region}].")
    for updates in ([{}], [{"Update": {"RegionName": WEST}}]):
        assert error_of(update, TableName=name, ReplicaUpdates=updates) == (
            "ValidationException",
            "There are no actions specified in the Replica Update Action of the request.")
    assert error_of(update, TableName=name, ReplicaUpdates=[
        {"Create": {"RegionName": WEST}, "Delete": {"RegionName": WEST}}]) == (
        "ValidationException",
        "Update table operation with more than one type of replica actions not allowed.")
    assert error_of(update, TableName=name, ReplicaUpdates=[
        {"Create": {"RegionName": WEST}}, {"Create": {"RegionName": CENTRAL}}]) == (
        "ValidationException",
        "Update table operation with more than one create or delete replica actions not allowed")
    assert error_of(update, TableName=name, DeletionProtectionEnabled=True,
                    ReplicaUpdates=[{"Create": {"RegionName": WEST}}]) == (
        "ValidationException",
        "Requests that modify replicas or witnesses must not also modify other fields")
    code, _ = error_of(update, TableName="missing-table",
                       ReplicaUpdates=[{"Create": {"RegionName": WEST}}])
    assert code == "ResourceNotFoundException"
    # a region where the table exists already
    create_table(client_in(CENTRAL), TableName=name)
    assert error_of(update, TableName=name,
                    ReplicaUpdates=[{"Create": {"RegionName": CENTRAL}}]) == (
        "ValidationException", f"Failed to create a the new replica of table with name: "
        f"'{name}' because one or more replicas already existed as tables.")
    add_replica(east, name, WEST)
    code, _ = error_of(update, TableName=name, ReplicaUpdates=[{"Create": {"RegionName": WEST}}])
    assert code == "ValidationException"
    assert error_of(update, TableName=name, StreamSpecification={"StreamEnabled": False}) == (
        "ValidationException", "One or more parameter values were invalid: Disabling Stream is "
        "not allowed for a Global Table replica.")
    # nothing was half-done: still one other replica, ACTIVE
    table = east.describe_table(TableName=name)["Table"]
    assert [(r["RegionName"], r["ReplicaStatus"]) for r in table["Replicas"]] == [
        (WEST, "ACTIVE")]


def test_a_replica_update_sets_its_overrides(client_in):
    east = client_in(EAST)
    name = create_table(east)
    add_replica(east, name, WEST)
    east.update_table(TableName=name, ReplicaUpdates=[{"Update": {
        "RegionName": WEST, "TableClassOverride": "STANDARD_INFREQUENT_ACCESS"}}])
    [replica] = east.describe_table(TableName=name)["Table"]["Replicas"]
    assert replica["ReplicaTableClassSummary"] == {"TableClass": "STANDARD_INFREQUENT_ACCESS"}
    [replica] = client_in(WEST).describe_table(TableName=name)["Table"]["Replicas"]
    assert replica["RegionName"] == EAST and "ReplicaTableClassSummary" not in replica


def test_concurrent_writes_in_three_regions_converge(client_in):
    clients = {region: client_in(region) for region in (EAST, WEST, CENTRAL)}
    east = clients[EAST]
    name = create_table(east)
    add_replica(east, name, WEST)
    add_replica(east, name, CENTRAL)
    assert [r["RegionName"] for r in clients[CENTRAL].describe_table(
        TableName=name)["Table"]["Replicas"]] == [EAST, WEST]

    def writer(region: str) -> None:
        for round_ in range(15):
            clients[region].put_item(TableName=name, Item={
                "pk": {"S": "contended"}, "by": {"S": region}, "round": {"N": str(round_)}})
            clients[region].put_item(TableName=name, Item={"pk": {"S": f"{region}-{round_}"}})

    threads = [threading.Thread(target=writer, args=(region,)) for region in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    def scanned(client) -> dict:
        return {item["pk"]["S"]: item for item in
                client.scan(TableName=name, ConsistentRead=True)["Items"]}

    def converged():
        views = [scanned(client) for client in clients.values()]
        return views[0] if all(view == views[0] for view in views) and len(views[0]) == 46 \
            else None

    final = wait_for(converged, 15)
    # no lost update of different items; one winner of the contended one everywhere
    assert {f"{region}-{r}" for region in clients for r in range(15)} <= set(final)
    assert final["contended"]["round"] == {"N": "14"}


def test_deleting_a_replica_stops_replication(client_in):
    east, west = client_in(EAST), client_in(WEST)
    name = create_table(east)
    add_replica(east, name, WEST)
    east.put_item(TableName=name, Item={"pk": {"S": "a"}})
    assert wait_for(lambda: item_of(west, name, "a"), 30)
    east.update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": WEST}}])

    def west_gone():
        try:
            west.describe_table(TableName=name)
        except ClientError as error:
            return error.response["Error"]["Code"] == "ResourceNotFoundException"
        return False

    assert wait_for(west_gone, 30)
    table = east.describe_table(TableName=name)["Table"]
    assert "Replicas" not in table and "GlobalTableVersion" not in table
    # the stream stays; it may be disabled now
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    east.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    east.put_item(TableName=name, Item={"pk": {"S": "after"}})
    east.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    # a table of the same name in the other region is a table of its own
    create_table(west, TableName=name)
    time.sleep(0.3)
    assert west.scan(TableName=name)["Count"] == 0


def test_writes_reach_other_regions_after_the_replication_lag(tmp_path):
    process, url = start_server(str(tmp_path / "data"), "--replication-lag", "0.6")
    try:
        east, west = region_client(url, EAST), region_client(url, WEST)
        name = create_table(east)
        add_replica(east, name, WEST)
        written = time.monotonic()
        east.put_item(TableName=name, Item={"pk": {"S": "late"}})
        time.sleep(0.3)
        assert item_of(west, name, "late") is None
        assert wait_for(lambda: item_of(west, name, "late"), 30)
        assert time.monotonic() - written >= 0.6
    finally:
        process.terminate()
        process.wait(10)


def test_a_restart_in_the_middle_of_replication_loses_nothing(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("a memory store does not outlive its server")
    data = str(tmp_path / "data")
    process, url = start_server(data, "--replication-lag", "30")
    try:
        east = region_client(url, EAST)
        name = create_table(east)
        add_replica(east, name, WEST)
        for number in range(20):
            east.put_item(TableName=name, Item={"pk": {"S": f"item-{number}"}})
        assert region_client(url, WEST).scan(TableName=name)["Count"] == 0
    finally:
        process.terminate()
        process.wait(10)
    process, url = start_server(data)
    try:
        west = region_client(url, WEST)
        assert wait_for(lambda: west.scan(TableName=name, ConsistentRead=True)["Count"] == 20,
                        15)
    finally:
        process.terminate()
        process.wait(10)

"""MultiRegionConsistency STRONG: a global table of three regions (three
replicas, or two and a witness), built and dissolved in one UpdateTable,
whose writes are in every replica when acknowledged, so strongly consistent
reads and conditions in any region see them, whatever the replication lag.
AWS's rules and messages as ack-api-quirks captured them. boto3 clients over
HTTP and embedded, on every backend."""
from __future__ import annotations

import threading

from global_support import (
    EAST,
    WEST,
    client_in,  # noqa: F401 (a fixture)
    error_of,
    item_of,
    region_client,
)
from support import create_table, read_stream, start_server, wait_for

OHIO = "us-east-2"
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def settled(client, name: str) -> dict:
    def ready():
        table = client.describe_table(TableName=name)["Table"]
        statuses = [r["ReplicaStatus"] for r in table.get("Replicas", ())] + [
            w["WitnessStatus"] for w in table.get("GlobalTableWitnesses", ())]
        return table if table["TableStatus"] == "ACTIVE" and set(statuses) <= {"ACTIVE"} \
            else None
    return wait_for(ready)


def strong_group(client_in, witness: bool = False) -> str:
    east = client_in(EAST)
    name = create_table(east, StreamSpecification=STREAM)
    creates = [{"Create": {"RegionName": WEST}}]
    extra = {"GlobalTableWitnessUpdates": [{"Create": {"RegionName": OHIO}}]} if witness else {}
    if not witness:
        creates.append({"Create": {"RegionName": OHIO}})
    east.update_table(TableName=name, MultiRegionConsistency="STRONG", ReplicaUpdates=creates,
                      **extra)
    settled(east, name)
    return name


def test_three_replicas_see_every_acknowledged_write_at_once(client_in):
    name = strong_group(client_in)
    clients = {region: client_in(region) for region in (EAST, WEST, OHIO)}
    for region, client in clients.items():
        table = settled(client, name)
        assert table["MultiRegionConsistency"] == "STRONG"
        assert table["GlobalTableVersion"] == "2019.11.21"
        assert sorted(r["RegionName"] for r in table["Replicas"]) == sorted(
            set(clients) - {region})
        assert "GlobalTableWitnesses" not in table
    for number, (region, client) in enumerate(clients.items()):
        key = f"from-{region}"
        client.put_item(TableName=name, Item={"pk": {"S": key}, "n": {"N": str(number)}})
        # no waiting: every replica has it once the write is acknowledged
        for other in clients.values():
            assert item_of(other, name, key) == {"pk": {"S": key}, "n": {"N": str(number)}}
    clients[WEST].update_item(TableName=name, Key={"pk": {"S": f"from-{EAST}"}},
                              UpdateExpression="SET n = n + :one",
                              ExpressionAttributeValues={":one": {"N": "1"}})
    assert item_of(clients[OHIO], name, f"from-{EAST}")["n"] == {"N": "1"}
    clients[OHIO].delete_item(TableName=name, Key={"pk": {"S": f"from-{WEST}"}})
    assert item_of(clients[EAST], name, f"from-{WEST}") is None
    # a condition in one region sees a write just made in another
    clients[EAST].put_item(TableName=name, Item={"pk": {"S": "once"}})
    code, _ = error_of(clients[WEST].put_item, TableName=name, Item={"pk": {"S": "once"}},
                       ConditionExpression="attribute_not_exists(pk)")
    assert code == "ConditionalCheckFailedException"
    # each replica's stream has the write, naming the region it was made in
    arn = clients[WEST].describe_table(TableName=name)["Table"]["LatestStreamArn"]
    records = read_stream(client_in(WEST, "dynamodbstreams"), arn)
    origins = {r["dynamodb"]["Keys"]["pk"]["S"]: r["awsRegion"] for r in records
               if r["eventName"] == "INSERT"}
    assert origins[f"from-{EAST}"] == EAST and origins[f"from-{WEST}"] == WEST
    assert origins["once"] == EAST


def test_concurrent_writes_to_one_item_leave_every_replica_equal(client_in):
    name = strong_group(client_in)
    clients = [client_in(region) for region in (EAST, WEST, OHIO)]

    def writer(client, number):
        for step in range(20):
            client.put_item(TableName=name, Item={"pk": {"S": "hot"},
                                                  "by": {"S": f"{number}-{step}"}})

    threads = [threading.Thread(target=writer, args=(client, number))
               for number, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    items = [item_of(client, name, "hot") for client in clients]
    assert items[0] == items[1] == items[2] and items[0]["by"]["S"].endswith("-19")


def test_a_witness_is_described_and_holds_no_table(client_in):
    name = strong_group(client_in, witness=True)
    for region in (EAST, WEST):
        table = settled(client_in(region), name)
        assert table["MultiRegionConsistency"] == "STRONG"
        assert table["GlobalTableWitnesses"] == [{"RegionName": OHIO, "WitnessStatus": "ACTIVE"}]
        assert [r["RegionName"] for r in table["Replicas"]] == [EAST if region == WEST else WEST]
    assert error_of(client_in(OHIO).describe_table, TableName=name)[0] == (
        "ResourceNotFoundException")
    client_in(WEST).put_item(TableName=name, Item={"pk": {"S": "w"}})
    assert item_of(client_in(EAST), name, "w") == {"pk": {"S": "w"}}


def test_what_aws_refuses_when_building_a_strong_group(client_in):
    east = client_in(EAST)
    name = create_table(east, StreamSpecification=STREAM)

    def refused(**request):
        return error_of(east.update_table, TableName=name, **request)

    one = [{"Create": {"RegionName": WEST}}]
    witness = [{"Create": {"RegionName": OHIO}}]
    assert refused(MultiRegionConsistency="STRONG", ReplicaUpdates=one) == (
        "ValidationException",
        "Unsupported replica count for global tables with MultiRegionConsistency set to STRONG.")
    for mode in ({}, {"MultiRegionConsistency": "EVENTUAL"}):
        assert refused(ReplicaUpdates=one, GlobalTableWitnessUpdates=witness, **mode) == (
            "ValidationException", "MultiRegionConsistency must be set as STRONG when "
            "GlobalTableWitnessUpdates parameter is present.")
    assert refused(MultiRegionConsistency="STRONG", ReplicaUpdates=one,
                   GlobalTableWitnessUpdates=[{"Create": {"RegionName": WEST}}]) == (
        "ValidationException", "Cannot target multiple regions with the same action")
    assert refused(MultiRegionConsistency="STRONG", ReplicaUpdates=one,
                   GlobalTableWitnessUpdates=[{"Create": {"RegionName": EAST}}]) == (
        "ValidationException", "Cannot add a witness in the same region as an existing "
        "replica when creating a global table with MultiRegionConsistency set to STRONG.")
    assert refused(MultiRegionConsistency="STRONG", ReplicaUpdates=one,
                   GlobalTableWitnessUpdates=[{"Create": {"RegionName": "us-west-1"}}]) == (
        "ValidationException", "Unsupported Region(s) specified for global tables with "
        "MultiRegionConsistency set to STRONG: [us-west-1].")
    assert refused(MultiRegionConsistency="STRONG", ReplicaUpdates=one,
                   GlobalTableWitnessUpdates=witness, DeletionProtectionEnabled=True) == (
        "ValidationException",
        "Requests that modify replicas or witnesses must not also modify other fields")
    assert refused(MultiRegionConsistency="STRONG", ReplicaUpdates=[
        {"Delete": {"RegionName": WEST}}, {"Create": {"RegionName": OHIO}}]) == (
        "ValidationException", "Only Replica Create actions are supported when "
        "MultiRegionConsistency parameter is provided.")
    # alone, neither the mode nor a witness is a change (AWS's generic answer)
    for alone in ({"MultiRegionConsistency": "STRONG"},
                  {"GlobalTableWitnessUpdates": witness}):
        code, message = refused(**alone)
        assert code == "ValidationException" and message.startswith("At least one of")
    # two creates are one too many without STRONG
    assert refused(ReplicaUpdates=one + [{"Create": {"RegionName": OHIO}}])[1] == (
        "Update table operation with more than one create or delete replica actions not allowed")
    # nothing was made by the refusals
    assert "Replicas" not in east.describe_table(TableName=name)["Table"]
    assert error_of(client_in(WEST).describe_table, TableName=name)[0] == (
        "ResourceNotFoundException")


def test_an_eventual_group_cannot_become_strong(client_in):
    east = client_in(EAST)
    name = create_table(east, StreamSpecification=STREAM)
    east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": WEST}}])
    settled(east, name)
    assert error_of(east.update_table, TableName=name, MultiRegionConsistency="STRONG",
                    ReplicaUpdates=[{"Create": {"RegionName": OHIO}}])[1] == (
        "Unsupported replica count for global tables with MultiRegionConsistency set to STRONG.")
    assert error_of(east.update_table, TableName=name, MultiRegionConsistency="STRONG",
                    ReplicaUpdates=[{"Create": {"RegionName": OHIO}}],
                    GlobalTableWitnessUpdates=[{"Create": {"RegionName": "eu-west-1"}}])[1] == (
        "MultiRegionConsistency parameter is unsupported on existing global table")
    assert "MultiRegionConsistency" not in east.describe_table(TableName=name)["Table"]


def test_a_strong_group_is_frozen_until_dissolved_in_one_call(client_in):
    name = strong_group(client_in, witness=True)
    east, west = client_in(EAST), client_in(WEST)

    def refused(**request):
        return error_of(east.update_table, TableName=name, **request)

    assert refused(ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]) == (
        "ValidationException",
        "Cannot add replicas to a global table with strong MultiRegionConsistency")
    assert refused(ReplicaUpdates=[{"Delete": {"RegionName": WEST}}]) == (
        "ValidationException", "Update table delete operation does not include all witnesses.")
    assert refused(ReplicaUpdates=[{"Delete": {"RegionName": WEST}}],
                   GlobalTableWitnessUpdates=[{"Delete": {"RegionName": "eu-west-1"}}]) == (
        "ValidationException", "Update global table operation failed because one or more "
        "witnesses were not part of the global table. Please retry the request without these "
        "witnesses: [eu-west-1].")
    assert refused(MultiRegionConsistency="EVENTUAL",
                   ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]) == (
        "ValidationException",
        "MultiRegionConsistency parameter is unsupported on existing global table")
    for client in (east, west):
        assert error_of(client.delete_table, TableName=name) == (
            "ValidationException", "Deletion of only one table replica is not supported for "
            "global tables with MultiRegionConsistency set to STRONG.")
    east.put_item(TableName=name, Item={"pk": {"S": "kept"}})
    east.update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": WEST}}],
                      GlobalTableWitnessUpdates=[{"Delete": {"RegionName": OHIO}}])
    table = settled(east, name)
    for field in ("Replicas", "GlobalTableVersion", "MultiRegionConsistency",
                  "GlobalTableWitnesses"):
        assert field not in table
    assert table["StreamSpecification"] == STREAM  # the stream stays
    assert item_of(east, name, "kept") == {"pk": {"S": "kept"}}
    assert wait_for(lambda: error_of(west.describe_table, TableName=name)[0] ==
                    "ResourceNotFoundException")
    east.delete_table(TableName=name)  # a regional table again


def test_a_three_replica_group_dissolves_only_whole(client_in):
    name = strong_group(client_in)
    east = client_in(EAST)
    assert error_of(east.update_table, TableName=name,
                    ReplicaUpdates=[{"Delete": {"RegionName": WEST}}]) == (
        "ValidationException", "Deletion of only one table replica is not supported for "
        "global tables with MultiRegionConsistency set to STRONG.")
    east.update_table(TableName=name, ReplicaUpdates=[{"Delete": {"RegionName": WEST}},
                                                      {"Delete": {"RegionName": OHIO}}])
    assert "Replicas" not in settled(east, name)


def test_strong_writes_ignore_the_replication_lag(tmp_path):
    process, url = start_server(str(tmp_path / "data"), "--replication-lag", "30")
    try:
        east, west = region_client(url, EAST), region_client(url, WEST)
        name = create_table(east, StreamSpecification=STREAM)
        east.update_table(TableName=name, MultiRegionConsistency="STRONG", ReplicaUpdates=[
            {"Create": {"RegionName": WEST}}, {"Create": {"RegionName": OHIO}}])
        settled(east, name)
        east.put_item(TableName=name, Item={"pk": {"S": "now"}})
        assert item_of(west, name, "now") == {"pk": {"S": "now"}}
        assert item_of(region_client(url, OHIO), name, "now") == {"pk": {"S": "now"}}
    finally:
        process.terminate()
        process.wait(10)

"""Point-in-time recovery: UpdateContinuousBackups, DescribeContinuousBackups,
RestoreTableToPointInTime restoring a table exactly as it was at a time,
the change history trimmed to the recovery period, on every backend."""
from __future__ import annotations

import time

import pytest
import support
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Clock, create_table, error_of, open_db, unique_name

import dynalite_py

NOW = 1_800_000_000.0
DAY = 86_400
ON = {"PointInTimeRecoveryEnabled": True}


def items_of(client, table: str) -> dict[str, dict]:
    found, start = {}, None
    while True:
        page = client.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
        found.update({item["pk"]["S"]: item for item in page["Items"]})
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


def history_records(db) -> int:
    store = db.engine.store
    with store.read() as txn:
        return sum(1 for _ in store.keyspace("history").range(txn))


@pytest.fixture
def db(tmp_path):
    with open_db(str(tmp_path), table_status_delay=0.0, sweep_interval=3600.0) as database:
        database.engine.clock = Clock(NOW)
        yield database


def test_settings_and_description(client, table):
    assert client.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"] == {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    answer = client.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification=ON)["ContinuousBackupsDescription"]
    recovery = answer["PointInTimeRecoveryDescription"]
    assert recovery["PointInTimeRecoveryStatus"] == "ENABLED"
    assert recovery["RecoveryPeriodInDays"] == 35
    assert recovery["EarliestRestorableDateTime"] <= recovery["LatestRestorableDateTime"]
    changed = client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7})[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert changed["RecoveryPeriodInDays"] == 7
    assert changed["EarliestRestorableDateTime"] == recovery["EarliestRestorableDateTime"]
    table_arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    described = client.describe_continuous_backups(TableName=table_arn)[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert described["RecoveryPeriodInDays"] == 7
    assert error_of(client.update_continuous_backups, TableName=table,
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False,
                                                      "RecoveryPeriodInDays": 3}) == (
        "ValidationException", "Invalid Request: Cannot specify RecoveryPeriodInDays when "
                               "disabling point-in-time recovery.")
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})
    assert client.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"] == {"PointInTimeRecoveryStatus": "DISABLED"}


def test_missing_tables_and_bad_periods(client, embedded_db):
    missing = unique_name()
    for call, extra in ((client.describe_continuous_backups, {}),
                        (client.update_continuous_backups,
                         {"PointInTimeRecoverySpecification": ON})):
        assert error_of(call, TableName=missing, **extra) == (
            "TableNotFoundException", f"Table not found: {missing}")
    with pytest.raises(dynalite_py.DynamoError) as info:
        embedded_db.call("UpdateContinuousBackups", {"TableName": missing,
                         "PointInTimeRecoverySpecification": {
                             "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 36}})
    assert info.value.message == (
        "1 validation error detected: Value '36' at "
        "'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: "
        "Member must have value less than or equal to 35")


def test_restore_to_a_time_over_http_and_embedded(client):
    table = create_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "before-pitr"}})
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    client.put_item(TableName=table, Item={"pk": {"S": "b"}, "v": {"N": "1"}})
    time.sleep(0.02)
    point = time.time()
    time.sleep(0.02)
    client.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :two",
                       ExpressionAttributeValues={":two": {"N": "2"}})
    client.delete_item(TableName=table, Key={"pk": {"S": "b"}})
    client.delete_item(TableName=table, Key={"pk": {"S": "before-pitr"}})
    client.put_item(TableName=table, Item={"pk": {"S": "c"}})
    target = unique_name()
    answer = client.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName=target, RestoreDateTime=point)["TableDescription"]
    assert answer["TableStatus"] == "CREATING"
    assert answer["RestoreSummary"]["RestoreInProgress"] is True
    described = support.active_table(client, target)
    assert described["RestoreSummary"]["SourceTableArn"].endswith(f":table/{table}")
    assert "SourceBackupArn" not in described["RestoreSummary"]
    assert items_of(client, target) == {
        "before-pitr": {"pk": {"S": "before-pitr"}}, "a": {"pk": {"S": "a"}, "v": {"N": "1"}},
        "b": {"pk": {"S": "b"}, "v": {"N": "1"}}}
    assert described["ItemCount"] == 3
    latest = unique_name()
    table_arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    client.restore_table_to_point_in_time(SourceTableArn=table_arn, TargetTableName=latest,
                                          UseLatestRestorableTime=True)
    support.active_table(client, latest)
    assert items_of(client, latest) == items_of(client, table)


def test_restore_errors(client):
    table = create_table(client)
    target = unique_name()
    assert error_of(client.restore_table_to_point_in_time, SourceTableName=table,
                    TargetTableName=target, UseLatestRestorableTime=True) == (
        "PointInTimeRecoveryUnavailableException",
        f"Point in time recovery is not enabled for table '{table}'")
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    enabled_at = client.describe_continuous_backups(TableName=table)[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "EarliestRestorableDateTime"]
    code, _ = error_of(client.restore_table_to_point_in_time, SourceTableName=table,
                       TargetTableName=target, RestoreDateTime=enabled_at.timestamp() - 60)
    assert code == "InvalidRestoreTimeException"
    assert error_of(client.restore_table_to_point_in_time, SourceTableName=table,
                    TargetTableName=target)[1] == (
        "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be "
        "specified, but not both")
    assert error_of(client.restore_table_to_point_in_time, SourceTableName=table,
                    TargetTableName=target, UseLatestRestorableTime=True,
                    RestoreDateTime=time.time())[0] == "ValidationException"
    assert error_of(client.restore_table_to_point_in_time, TargetTableName=target,
                    UseLatestRestorableTime=True)[1] == (
        "Invalid Request: Must provide exactly one of: sourceTableArn, sourceTableName")
    missing = unique_name()
    assert error_of(client.restore_table_to_point_in_time, SourceTableName=missing,
                    TargetTableName=target, UseLatestRestorableTime=True) == (
        "TableNotFoundException", f"Table not found: {missing}")
    assert error_of(client.restore_table_to_point_in_time, SourceTableName=table,
                    TargetTableName=table, UseLatestRestorableTime=True) == (
        "TableAlreadyExistsException", f"Table already exists: {table}")
    assert error_of(client.describe_table, TableName=target)[0] == "ResourceNotFoundException"


OPERATIONS = st.lists(st.tuples(st.sampled_from(["put", "delete", "update"]),
                                st.integers(0, 5), st.integers(0, 99)), min_size=1, max_size=25)


# each example makes its own tables, its clock only moves on
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, pick=st.integers(0, 10_000), exact=st.booleans())
def test_restore_matches_the_table_at_every_time(db, operations, pick, exact):
    """Random writes, a second apart; restoring to any time in the window
    gives the items as they were then (a model replays the writes)."""
    client, clock = db.client(), db.engine.clock
    table = create_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "k0"}, "v": {"N": "-1"}})
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    model = {"k0": {"pk": {"S": "k0"}, "v": {"N": "-1"}}}
    states = [(clock.now, dict(model))]
    for operation, key, value in operations:
        clock.now += 1.0
        key_value = {"pk": {"S": f"k{key}"}}
        if operation == "put":
            client.put_item(TableName=table, Item={**key_value, "v": {"N": str(value)}})
            model[f"k{key}"] = {**key_value, "v": {"N": str(value)}}
        elif operation == "delete":
            client.delete_item(TableName=table, Key=key_value)
            model.pop(f"k{key}", None)
        else:
            client.update_item(TableName=table, Key=key_value, UpdateExpression="ADD v :one",
                               ExpressionAttributeValues={":one": {"N": "1"}})
            current = model.get(f"k{key}", key_value)
            number = int(current.get("v", {"N": "0"})["N"]) + 1
            model[f"k{key}"] = {**key_value, "v": {"N": str(number)}}
        states.append((clock.now, dict(model)))
    at, expected = states[pick % len(states)]
    point = at if exact else min(at + 0.5, clock.now)
    target = unique_name()
    client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=target,
                                          RestoreDateTime=point)
    support.active_table(client, target)
    assert items_of(client, target) == expected
    assert client.describe_table(TableName=target)["Table"]["ItemCount"] == len(expected)


def test_restore_rebuilds_indexes(db):
    client = db.client()
    name = unique_name()
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}])
    client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=ON)
    for i in range(700):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "g": {"S": f"g{i % 3}"}})
    db.engine.clock.now += 5
    for i in range(0, 700, 2):
        client.delete_item(TableName=name, Key={"pk": {"S": f"k{i}"}})
    target = unique_name()
    client.restore_table_to_point_in_time(SourceTableName=name, TargetTableName=target,
                                          RestoreDateTime=NOW + 1)
    described = support.active_table(client, target)
    assert described["ItemCount"] == 700
    assert described["GlobalSecondaryIndexes"][0]["ItemCount"] == 700
    count = client.query(TableName=target, IndexName="by-g", Select="COUNT",
                         KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "g1"}})["Count"]
    assert count == len([i for i in range(700) if i % 3 == 1])


def test_history_costs_nothing_without_pitr_and_goes_when_turned_off(db):
    client = db.client()
    table = create_table(client)
    for i in range(50):
        client.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}})
    assert history_records(db) == 0
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    for i in range(50):
        client.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}, "v": {"N": "1"}})
    assert history_records(db) == 50
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})
    assert history_records(db) == 0
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    client.put_item(TableName=table, Item={"pk": {"S": "k1"}})
    client.delete_table(TableName=table)
    assert history_records(db) == 0  # the history goes with its table


def test_history_is_trimmed_to_the_recovery_period(db):
    client, clock = db.client(), db.engine.clock
    table = create_table(client)
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 1})
    for i in range(30):
        client.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}})
    clock.now += 0.5 * DAY
    client.put_item(TableName=table, Item={"pk": {"S": "k0"}, "late": {"BOOL": True}})
    clock.now += 0.75 * DAY  # the first writes are past the day, the last one is not
    db.engine.sweep()
    assert history_records(db) == 1
    recovery = client.describe_continuous_backups(TableName=table)[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    earliest = recovery["EarliestRestorableDateTime"].timestamp()
    assert earliest == pytest.approx(clock.now - DAY)
    assert error_of(client.restore_table_to_point_in_time, SourceTableName=table,
                    TargetTableName=unique_name(), RestoreDateTime=earliest - 10)[0] == (
        "InvalidRestoreTimeException")
    target = unique_name()
    client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=target,
                                          RestoreDateTime=earliest)
    support.active_table(client, target)
    items = items_of(client, target)
    assert len(items) == 30 and "late" not in items["k0"]


def test_pitr_and_its_history_survive_a_restart(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing after close")
    with open_db(str(tmp_path), table_status_delay=0.0) as db:
        client = db.client()
        table = create_table(client)
        client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
        client.put_item(TableName=table, Item={"pk": {"S": "kept"}, "v": {"N": "1"}})
        time.sleep(0.02)
        point = time.time()
        time.sleep(0.02)
        client.put_item(TableName=table, Item={"pk": {"S": "kept"}, "v": {"N": "2"}})
    with open_db(str(tmp_path), table_status_delay=0.0) as db:
        client = db.client()
        assert client.describe_continuous_backups(TableName=table)[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
            "PointInTimeRecoveryStatus"] == "ENABLED"
        target = unique_name()
        client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=target,
                                              RestoreDateTime=point)
        support.active_table(client, target)
        assert items_of(client, target) == {"kept": {"pk": {"S": "kept"}, "v": {"N": "1"}}}


def test_a_restore_whose_source_is_gone_removes_its_table(db):
    """The restore's job waits (another server holds its lease) while the
    source table is deleted: it cannot finish, so the half-restored table
    goes instead of ever turning ACTIVE."""
    client, store = db.client(), db.engine.store
    table = create_table(client)
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    client.put_item(TableName=table, Item={"pk": {"S": "a"}})
    target, elsewhere = unique_name(), "another-host:1:job"
    assert store.acquire_lease(f"restore:{target}", elsewhere, 60, time.time())
    client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=target,
                                          UseLatestRestorableTime=True)
    client.delete_table(TableName=table)
    assert client.describe_table(TableName=target)["Table"]["TableStatus"] == "CREATING"
    store.release_lease(f"restore:{target}", elsewhere)
    db.engine.sweep()
    def gone() -> bool:
        try:
            client.describe_table(TableName=target)
        except ClientError as error:
            return error.response["Error"]["Code"] == "ResourceNotFoundException"
        return False
    support.wait_for(gone)


def test_every_kind_of_write_is_in_the_history(db):
    """BatchWriteItem, TransactWriteItems, conditional updates and TTL
    expiry all go through the one item writer, so each is undone alike."""
    client, clock = db.client(), db.engine.clock
    table = create_table(client, "S", "S")
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires"})
    client.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"S": f"{i:02d}"}, "n": {"N": "0"}}}}
        for i in range(10)]})
    client.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": "ttl"},
                                           "expires": {"N": str(int(NOW) + 5)}})
    expected = items_by_key(client, table)
    clock.now += 10
    client.transact_write_items(TransactItems=[
        {"Update": {"TableName": table, "Key": {"pk": {"S": "p"}, "sk": {"S": "00"}},
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {"TableName": table, "Key": {"pk": {"S": "p"}, "sk": {"S": "01"}}}},
        {"Put": {"TableName": table, "Item": {"pk": {"S": "p"}, "sk": {"S": "new"}}}}])
    client.batch_write_item(RequestItems={table: [
        {"DeleteRequest": {"Key": {"pk": {"S": "p"}, "sk": {"S": f"{i:02d}"}}}}
        for i in range(2, 6)]})
    client.update_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "09"}},
                       UpdateExpression="SET n = :nine", ConditionExpression="n = :zero",
                       ExpressionAttributeValues={":nine": {"N": "9"}, ":zero": {"N": "0"}})
    db.engine.sweep()  # the TTL item is past its time: expired
    assert ("p", "ttl") not in items_by_key(client, table)
    target = unique_name()
    client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=target,
                                          RestoreDateTime=NOW + 1)
    support.active_table(client, target)
    assert items_by_key(client, target) == expected


def test_long_sort_keys_are_restored_in_order(db):
    """Sort keys past the 470 bytes stored whole in a key (model/keys.py's
    long groups) come back with their order and values intact."""
    client, clock = db.client(), db.engine.clock
    table = create_table(client, "S", "S")
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    long_keys = ["x" * 600 + chr(ord("a") + i) for i in range(8)]
    for sort_key in long_keys:
        client.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": sort_key}})
    clock.now += 10
    for sort_key in long_keys[::2]:
        client.delete_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": sort_key}})
    target = unique_name()
    client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=target,
                                          RestoreDateTime=NOW + 1)
    support.active_table(client, target)
    page = client.query(TableName=target, KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": "p"}})
    assert [item["sk"]["S"] for item in page["Items"]] == long_keys
    reverse = client.query(TableName=target, KeyConditionExpression="pk = :p",
                           ScanIndexForward=False, ExpressionAttributeValues={":p": {"S": "p"}})
    assert [item["sk"]["S"] for item in reverse["Items"]] == long_keys[::-1]


def test_restore_overrides_and_settings_of_a_point_in_time_restore(db):
    client = db.client()
    table = create_table(client, BillingMode="PROVISIONED", DeletionProtectionEnabled=True,
                         ProvisionedThroughput={"ReadCapacityUnits": 4, "WriteCapacityUnits": 2},
                         Tags=[{"Key": "team", "Value": "a"}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification=ON)
    client.put_item(TableName=table, Item={"pk": {"S": "a"}})
    same, on_demand = unique_name(), unique_name()
    client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=same,
                                          UseLatestRestorableTime=True)
    client.restore_table_to_point_in_time(SourceTableName=table, TargetTableName=on_demand,
                                          UseLatestRestorableTime=True,
                                          BillingModeOverride="PAY_PER_REQUEST")
    kept = support.active_table(client, same)
    assert kept["ProvisionedThroughput"]["ReadCapacityUnits"] == 4
    # what a restore does not carry over: stream, tags, deletion protection, PITR
    assert "StreamSpecification" not in kept and kept["DeletionProtectionEnabled"] is False
    assert client.list_tags_of_resource(ResourceArn=kept["TableArn"])["Tags"] == []
    assert client.describe_continuous_backups(TableName=same)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    switched = support.active_table(client, on_demand)
    assert switched["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert items_of(client, on_demand) == {"a": {"pk": {"S": "a"}}}


def items_by_key(client, table: str) -> dict[tuple, dict]:
    found = {}
    for item in client.scan(TableName=table)["Items"]:
        found[(item["pk"]["S"], item["sk"]["S"])] = item
    return found

"""On-demand backups and RestoreTableFromBackup: shapes, states, the
snapshot a backup is, restores compared item by item, overrides, errors,
restarts and kill -9, on every backend, over HTTP and embedded."""
from __future__ import annotations

import signal
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import support
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from support import (
    create_table,
    error_of,
    http_client,
    open_db,
    start_server,
    unique_name,
    wait_for,
)

import dynalite_py

ACCOUNT = "000000000000"


def indexed_table(client, **extra) -> str:
    """A table with an LSI and a GSI (on-demand unless given throughput)."""
    name = unique_name()
    gsi = {"IndexName": "by-g", "Projection": {"ProjectionType": "KEYS_ONLY"},
           "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}
    if "ProvisionedThroughput" in extra:
        gsi["ProvisionedThroughput"] = extra["ProvisionedThroughput"]
    else:
        extra["BillingMode"] = "PAY_PER_REQUEST"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "N"},
                              {"AttributeName": "l", "AttributeType": "S"}],
        LocalSecondaryIndexes=[{"IndexName": "by-l", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "l", "KeyType": "RANGE"}]}],
        GlobalSecondaryIndexes=[gsi], **extra)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    return name


def fill(client, table: str, count: int, start: int = 0) -> None:
    for first in range(start, start + count, 25):
        client.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": item(i)}} for i in range(first, min(first + 25, start + count))]})


def item(i: int) -> dict:
    return {"pk": {"S": f"p{i % 37}"}, "sk": {"S": f"s{i:06d}"}, "g": {"N": str(i % 11)},
            "l": {"S": f"l{i % 5}"}, "payload": {"S": "x" * (i % 50)}, "n": {"N": str(i)}}


def scan_all(client, table: str, **extra) -> list[dict]:
    items, start = [], None
    while True:
        page = client.scan(TableName=table, **extra, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def as_set(items: list[dict]) -> set[tuple]:
    return {tuple(sorted((k, str(v)) for k, v in i.items())) for i in items}


def available(client, arn: str) -> dict:
    return wait_for(lambda: (d := client.describe_backup(BackupArn=arn)["BackupDescription"])[
        "BackupDetails"]["BackupStatus"] == "AVAILABLE" and d)


def test_backup_lifecycle_and_shapes(client):
    table = create_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "a"}})
    before = datetime.now(timezone.utc)
    details = client.create_backup(TableName=table, BackupName="nightly.1")["BackupDetails"]
    assert details["BackupStatus"] == "CREATING" and details["BackupType"] == "USER"
    assert details["BackupName"] == "nightly.1"
    arn = details["BackupArn"]
    assert arn.startswith(f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}/backup/")
    stamp, _, suffix = arn.rsplit("/", 1)[1].partition("-")
    assert len(stamp) == 14 and len(suffix) == 8
    assert abs(details["BackupCreationDateTime"] - before) < timedelta(seconds=5)
    description = available(client, arn)
    assert set(description) == {"BackupDetails", "SourceTableDetails", "SourceTableFeatureDetails"}
    assert description["BackupDetails"]["BackupCreationDateTime"] == details[
        "BackupCreationDateTime"]
    assert "BackupExpiryDateTime" not in description["BackupDetails"]
    source = description["SourceTableDetails"]
    assert source["TableName"] == table and source["BillingMode"] == "PAY_PER_REQUEST"
    assert source["ItemCount"] == 1 and source["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"}]
    assert description["SourceTableFeatureDetails"] == {}  # a plain table has no features
    summaries = client.list_backups(TableName=table)["BackupSummaries"]
    assert [s["BackupArn"] for s in summaries] == [arn]
    assert summaries[0]["TableId"] == source["TableId"] and summaries[0]["TableName"] == table
    deleted = client.delete_backup(BackupArn=arn)["BackupDescription"]
    assert deleted["BackupDetails"]["BackupStatus"] == "DELETED"
    assert error_of(client.describe_backup, BackupArn=arn) == (
        "BackupNotFoundException", f"Backup not found: {arn}")
    assert error_of(client.delete_backup, BackupArn=arn)[0] == "BackupNotFoundException"
    assert client.list_backups(TableName=table)["BackupSummaries"] == []


def test_features_are_recorded(client):
    table = indexed_table(client)
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires"})
    client.update_table(TableName=table, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arn = client.create_backup(TableName=table, BackupName="features")["BackupDetails"]["BackupArn"]
    features = available(client, arn)["SourceTableFeatureDetails"]
    assert features["StreamDescription"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert features["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED",
                                                 "AttributeName": "expires"}
    assert features["LocalSecondaryIndexes"] == [{
        "IndexName": "by-l", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "l", "KeyType": "RANGE"}]}]
    assert features["GlobalSecondaryIndexes"][0]["IndexName"] == "by-g"
    assert set(features["GlobalSecondaryIndexes"][0]) == {"IndexName", "KeySchema", "Projection",
                                                           "ProvisionedThroughput"}


def test_restore_holds_exactly_the_backed_up_items_and_indexes(client):
    table = indexed_table(client)
    fill(client, table, 1300)
    arn = client.create_backup(TableName=table, BackupName="before")["BackupDetails"]["BackupArn"]
    # changes after the backup are not in it
    client.delete_item(TableName=table, Key={"pk": {"S": "p1"}, "sk": {"S": "s000001"}})
    client.put_item(TableName=table, Item={"pk": {"S": "late"}, "sk": {"S": "late"}})
    available(client, arn)
    target = unique_name()
    answer = client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)[
        "TableDescription"]
    assert answer["TableStatus"] == "CREATING"
    assert answer["RestoreSummary"]["RestoreInProgress"] is True
    assert answer["RestoreSummary"]["SourceBackupArn"] == arn
    described = support.active_table(client, target)
    assert described["TableStatus"] == "ACTIVE"
    assert described["RestoreSummary"] == {
        "SourceBackupArn": arn, "SourceTableArn": described["TableArn"].replace(target, table),
        "RestoreDateTime": answer["RestoreSummary"]["RestoreDateTime"],
        "RestoreInProgress": False}
    assert described["ItemCount"] == 1300
    assert as_set(scan_all(client, target)) == as_set([item(i) for i in range(1300)])
    assert {i["IndexName"] for i in described["GlobalSecondaryIndexes"]} == {"by-g"}
    assert described["GlobalSecondaryIndexes"][0]["ItemCount"] == 1300
    assert described["LocalSecondaryIndexes"][0]["ItemCount"] == 1300
    by_g = scan_all(client, target, IndexName="by-g")
    assert len(by_g) == 1300 and set(by_g[0]) == {"pk", "sk", "g"}
    page = client.query(TableName=target, IndexName="by-l", KeyConditionExpression="pk = :p AND l = :l",
                        ExpressionAttributeValues={":p": {"S": "p3"}, ":l": {"S": "l3"}})
    assert page["Items"] and all(i["l"] == {"S": "l3"} for i in page["Items"])
    # the restored table takes writes like any other, its source is untouched
    client.put_item(TableName=target, Item=item(5000))
    assert client.describe_table(TableName=table)["Table"]["ItemCount"] == 1300
    assert "StreamSpecification" not in described and described["DeletionProtectionEnabled"] is False


def test_backup_is_one_instant_while_writes_go_on(embedded_db):
    """Writers append items 0, 1, 2, ... during the backup: a snapshot holds
    exactly a prefix of them, whatever order the copy reads them in."""
    client = embedded_db.client()
    table = create_table(client)
    fill_plain(client, table, 2000)
    stop = threading.Event()
    written = []

    def writer():
        n = 0
        while not stop.is_set():
            client.put_item(TableName=table, Item={"pk": {"S": f"w{n}"}})
            written.append(n)
            n += 1
    thread = threading.Thread(target=writer)
    thread.start()
    wait_for(lambda: len(written) > 20)
    arn = client.create_backup(TableName=table, BackupName="during")["BackupDetails"]["BackupArn"]
    wait_for(lambda: len(written) > 200)
    stop.set()
    thread.join()
    available(client, arn)
    target = unique_name()
    client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    support.active_table(client, target)
    keys = {i["pk"]["S"] for i in scan_all(client, target)}
    appended = sorted(int(k[1:]) for k in keys if k.startswith("w"))
    assert appended == list(range(len(appended)))  # a prefix: one instant
    assert 0 < len(appended) < len(written)
    assert {f"k{i}" for i in range(2000)} <= keys


def fill_plain(client, table: str, count: int) -> None:
    for first in range(0, count, 25):
        client.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": {"S": f"k{i}"}, "n": {"N": str(i)}}}}
            for i in range(first, min(first + 25, count))]})


def test_list_backups_filters_and_pages(client):
    first, second = create_table(client), create_table(client)
    arns = []
    for n in range(5):
        arns.append(client.create_backup(TableName=first if n % 2 == 0 else second,
                                         BackupName=f"b{n}x")["BackupDetails"]["BackupArn"])
        time.sleep(0.002)
    for arn in arns:
        available(client, arn)
    mine = [s for s in client.list_backups()["BackupSummaries"] if s["BackupArn"] in arns]
    assert [s["BackupArn"] for s in mine] == arns  # creation order
    assert [s["BackupArn"] for s in client.list_backups(TableName=first)["BackupSummaries"]] == \
        arns[0::2]
    table_arn = client.describe_table(TableName=second)["Table"]["TableArn"]
    assert [s["BackupArn"] for s in client.list_backups(TableName=table_arn)["BackupSummaries"]] \
        == arns[1::2]
    assert client.list_backups(TableName=first, BackupType="SYSTEM")["BackupSummaries"] == []
    assert len(client.list_backups(TableName=first, BackupType="ALL")["BackupSummaries"]) == 3
    created = [s["BackupCreationDateTime"] for s in mine]
    window = client.list_backups(TableName=first, TimeRangeLowerBound=created[2],
                                 TimeRangeUpperBound=created[4])["BackupSummaries"]
    assert [s["BackupArn"] for s in window] == [arns[2]]  # lower inclusive, upper exclusive
    pages, start = [], None
    while True:
        page = client.list_backups(TableName=first, Limit=2, **(
            {"ExclusiveStartBackupArn": start} if start else {}))
        pages.append([s["BackupArn"] for s in page["BackupSummaries"]])
        start = page.get("LastEvaluatedBackupArn")
        if not start:
            break
    assert pages == [arns[0:3:2], arns[4:5]]
    assert "LastEvaluatedBackupArn" not in client.list_backups(TableName=first, Limit=3)
    assert error_of(client.list_backups, TimeRangeLowerBound=created[4],
                    TimeRangeUpperBound=created[0]) == (
        "ValidationException", "One or more parameter values were invalid: Time range lower "
                               "bound must be less than or equal to upper bound")
    assert client.list_backups(TableName="no-such-table")["BackupSummaries"] == []


def test_backup_errors(client):
    missing = unique_name()
    assert error_of(client.create_backup, TableName=missing, BackupName="abc") == (
        "TableNotFoundException", f"Table not found: {missing}")
    assert error_of(client.describe_backup, BackupArn="x" * 48) == (
        "ValidationException", "Invalid Backup ARN")
    table = create_table(client)
    table_arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    assert error_of(client.describe_backup, BackupArn=table_arn + "/index/abcdefgh")[1] == (
        "Invalid Backup ARN")
    unknown = f"{table_arn}/backup/01700000000000-0badcafe"
    assert error_of(client.describe_backup, BackupArn=unknown) == (
        "BackupNotFoundException", f"Backup not found: {unknown}")
    assert error_of(client.restore_table_from_backup, TargetTableName=unique_name(),
                    BackupArn=unknown)[0] == "BackupNotFoundException"
    assert error_of(client.describe_backup, BackupArn=unknown.replace(ACCOUNT, "123456789012"))[
        0] == "AccessDeniedException"
    arn = client.create_backup(TableName=table, BackupName="abc")["BackupDetails"]["BackupArn"]
    available(client, arn)
    # DynamoDB finds a backup by its id, whatever region the ARN names (DDB-BACKUP-012)
    assert client.describe_backup(BackupArn=arn.replace("us-east-1", "eu-west-1"))
    assert error_of(client.restore_table_from_backup, TargetTableName=table, BackupArn=arn) == (
        "TableAlreadyExistsException", f"Table already exists: {table}")


def test_create_backup_of_a_creating_table(tmp_path):
    with open_db(str(tmp_path), table_status_delay=60.0) as db:
        client = db.client()
        name = unique_name()
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        assert error_of(client.create_backup, TableName=name, BackupName="abc") == (
            "TableNotFoundException", f"Table not found: {name}")


def test_restore_overrides(client):
    table = indexed_table(client)
    fill(client, table, 60)
    arn = client.create_backup(TableName=table, BackupName="ovr")["BackupDetails"]["BackupArn"]
    available(client, arn)
    target = unique_name()
    client.restore_table_from_backup(
        TargetTableName=target, BackupArn=arn, BillingModeOverride="PROVISIONED",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
        GlobalSecondaryIndexOverride=[],
        LocalSecondaryIndexOverride=[{"IndexName": "by-l", "Projection": {"ProjectionType": "ALL"},
                                      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                    {"AttributeName": "l", "KeyType": "RANGE"}]}],
        SSESpecificationOverride={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "my-key"})
    described = support.active_table(client, target)
    assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    assert described["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
    assert described.get("BillingModeSummary", {}).get("BillingMode") != "PAY_PER_REQUEST"
    assert "GlobalSecondaryIndexes" not in described
    assert [i["IndexName"] for i in described["LocalSecondaryIndexes"]] == ["by-l"]
    assert {d["AttributeName"] for d in described["AttributeDefinitions"]} == {"pk", "sk", "l"}
    assert described["SSEDescription"]["KMSMasterKeyArn"].endswith(":key/my-key")
    assert described["ItemCount"] == 60
    assert as_set(scan_all(client, target)) == as_set([item(i) for i in range(60)])


@pytest.mark.parametrize("overrides, message", [
    ({"BillingModeOverride": "PAY_PER_REQUEST",
      "ProvisionedThroughputOverride": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
     "Invalid Request: Cannot override ProvisionedThroughput if BillingMode is overridden to "
     "PAY_PER_REQUEST"),
    ({"BillingModeOverride": "PROVISIONED"},
     "Invalid Request: Must override ProvisionedThroughput if BillingMode is overridden to "
     "PROVISIONED"),
    ({"ProvisionedThroughputOverride": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
     "Invalid Request: Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED"),
    ({"BillingModeOverride": "PROVISIONED",
      "ProvisionedThroughputOverride": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
     "Invalid Request: Must specify provisioned throughput for index by-g"),
    ({"GlobalSecondaryIndexOverride": [{
        "IndexName": "not-there", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}]},
     "Invalid Request: Index not-there does not match a secondary index that existed in the "
     "source table and cannot be created during the restore operation"),
])
def test_refused_overrides(client, overrides, message):
    if not hasattr(test_refused_overrides, "arn"):
        table = indexed_table(client)
        test_refused_overrides.arn = client.create_backup(
            TableName=table, BackupName="refused")["BackupDetails"]["BackupArn"]
    arn = test_refused_overrides.arn
    try:
        available(client, arn)
    except ClientError:  # the other transport's store
        table = indexed_table(client)
        arn = test_refused_overrides.arn = client.create_backup(
            TableName=table, BackupName="refused")["BackupDetails"]["BackupArn"]
        available(client, arn)
    target = unique_name()
    assert error_of(client.restore_table_from_backup, TargetTableName=target, BackupArn=arn,
                    **overrides) == ("ValidationException", message)
    assert error_of(client.describe_table, TableName=target)[0] == "ResourceNotFoundException"


def test_backups_outlive_their_table(client):
    table = create_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "kept"}})
    arn = client.create_backup(TableName=table, BackupName="keep")["BackupDetails"]["BackupArn"]
    available(client, arn)
    client.delete_table(TableName=table)
    client.get_waiter("table_not_exists").wait(TableName=table, WaiterConfig={"Delay": 0.01})
    assert client.describe_backup(BackupArn=arn)["BackupDescription"]["SourceTableDetails"][
        "TableName"] == table
    assert [s["BackupArn"] for s in client.list_backups(TableName=table)["BackupSummaries"]] == [arn]
    client.restore_table_from_backup(TargetTableName=table, BackupArn=arn)  # the same name again
    support.active_table(client, table)
    assert scan_all(client, table) == [{"pk": {"S": "kept"}}]


def test_deleting_a_table_with_pitr_keeps_a_system_backup(client):
    table = indexed_table(client)
    fill(client, table, 60)
    client.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    plain = create_table(client)  # no PITR: no SYSTEM backup
    before = as_set(scan_all(client, table))
    client.delete_table(TableName=table)
    client.delete_table(TableName=plain)
    assert client.list_backups(TableName=table)["BackupSummaries"] == []  # USER only
    [summary] = client.list_backups(TableName=table, BackupType="SYSTEM")["BackupSummaries"]
    assert client.list_backups(TableName=table, BackupType="ALL")["BackupSummaries"] == [summary]
    assert client.list_backups(TableName=plain, BackupType="ALL")["BackupSummaries"] == []
    assert summary["BackupType"] == "SYSTEM" and summary["BackupStatus"] == "AVAILABLE"
    assert summary["BackupName"] == f"{table}$DeletedTableBackup"
    details = client.describe_backup(BackupArn=summary["BackupArn"])["BackupDescription"]
    assert details["SourceTableDetails"]["ItemCount"] == 60
    assert details["SourceTableFeatureDetails"]["GlobalSecondaryIndexes"][0]["IndexName"] == "by-g"
    client.get_waiter("table_not_exists").wait(TableName=table, WaiterConfig={"Delay": 0.01})
    client.restore_table_from_backup(TargetTableName=table, BackupArn=summary["BackupArn"])
    support.active_table(client, table)
    assert as_set(scan_all(client, table)) == before
    assert as_set(scan_all(client, table, IndexName="by-g")) == as_set(
        [{k: v for k, v in i.items() if k in ("pk", "sk", "g")} for i in map(item, range(60))])
    client.delete_backup(BackupArn=summary["BackupArn"])
    assert client.list_backups(TableName=table, BackupType="ALL")["BackupSummaries"] == []


def test_a_backup_feeds_one_restore_at_a_time(embedded_db):
    """While a restore reads a backup (here held: another server holds the
    restore's lease), the backup cannot be deleted or restored again, and
    the half-filled table is CREATING, unusable; released, it finishes."""
    client, store = embedded_db.client(), embedded_db.engine.store
    table = create_table(client)
    fill_plain(client, table, 50)
    arn = client.create_backup(TableName=table, BackupName="busy")["BackupDetails"]["BackupArn"]
    available(client, arn)
    target, elsewhere = unique_name(), "another-host:1:job"
    assert store.acquire_lease(f"restore:{target}", elsewhere, 60, time.time())
    client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    described = client.describe_table(TableName=target)["Table"]
    assert described["TableStatus"] == "CREATING"
    assert described["RestoreSummary"]["RestoreInProgress"] is True
    assert error_of(client.scan, TableName=target)[0] == "ResourceNotFoundException"
    assert error_of(client.delete_table, TableName=target)[0] == "ResourceInUseException"
    assert error_of(client.delete_backup, BackupArn=arn) == (
        "BackupInUseException", f"Backup is being used to restore table: {arn}")
    assert error_of(client.restore_table_from_backup, TargetTableName=unique_name(),
                    BackupArn=arn) == (
        "BackupInUseException", f"Backup is being used to restore another table: {arn}")
    store.release_lease(f"restore:{target}", elsewhere)
    embedded_db.engine.sweep()  # resumes the restore
    assert support.active_table(client, target)["ItemCount"] == 50
    client.delete_backup(BackupArn=arn)


def test_backups_survive_a_restart(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing after close")
    with open_db(str(tmp_path), table_status_delay=0.0) as db:
        client = db.client()
        table = create_table(client)
        fill_plain(client, table, 700)
        arn = client.create_backup(TableName=table, BackupName="kept")["BackupDetails"][
            "BackupArn"]
        available(client, arn)
    with open_db(str(tmp_path), table_status_delay=0.0) as db:
        client = db.client()
        assert client.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"][
            "BackupStatus"] == "AVAILABLE"
        target = unique_name()
        client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
        assert support.active_table(client, target)["ItemCount"] == 700


def _server_with_table(tmp_path, count: int):
    process, url = start_server(str(tmp_path))
    client = http_client(url)
    table = create_table(client)
    fill_plain(client, table, count)
    return process, client, table


def test_kill_during_restore_never_leaves_it_half_active(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing after a kill")
    process, client, table = _server_with_table(tmp_path, 6000)
    try:
        arn = client.create_backup(TableName=table, BackupName="big")["BackupDetails"]["BackupArn"]
        available(client, arn)
        target = unique_name()
        client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    process, url = start_server(str(tmp_path))
    try:
        client = http_client(url)
        described = client.describe_table(TableName=target)["Table"]
        if described["RestoreSummary"]["RestoreInProgress"]:
            assert described["TableStatus"] == "CREATING"
            assert error_of(client.scan, TableName=target)[0] == "ResourceNotFoundException"
        described = support.active_table(client, target)  # resumed by the restarted server's sweeper
        assert described["ItemCount"] == 6000
        assert {i["pk"]["S"] for i in scan_all(client, target)} == {f"k{i}" for i in range(6000)}
    finally:
        process.terminate()
        process.wait(10)


def test_kill_during_backup_leaves_it_whole_or_gone(tmp_path):
    if support.BACKEND == "memory":
        pytest.skip("the memory backend keeps nothing after a kill")
    process, client, table = _server_with_table(tmp_path, 6000)
    try:
        arn = client.create_backup(TableName=table, BackupName="cut")["BackupDetails"]["BackupArn"]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    process, url = start_server(str(tmp_path))
    try:
        client = http_client(url)

        def settled():
            try:
                status = client.describe_backup(BackupArn=arn)["BackupDescription"][
                    "BackupDetails"]["BackupStatus"]
            except ClientError as error:
                return error.response["Error"]["Code"]
            return status if status == "AVAILABLE" else None
        outcome = wait_for(settled, 20)
        if outcome == "AVAILABLE":
            target = unique_name()
            client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
            assert support.active_table(client, target)["ItemCount"] == 6000
        else:
            assert outcome == "BackupNotFoundException"
            assert arn not in {s["BackupArn"] for s in client.list_backups()["BackupSummaries"]}
    finally:
        process.terminate()
        process.wait(10)


def test_a_backup_whose_copy_died_is_discarded(embedded_db):
    """A CREATING backup no live process is copying (its copier was killed:
    here a record and part of its items written directly) is removed by
    the sweeper, items and all; one whose copy is alive is left alone."""
    engine, client = embedded_db.engine, embedded_db.client()
    table = create_table(client)
    live = client.create_backup(TableName=table, BackupName="alive")["BackupDetails"]["BackupArn"]
    backups = engine.repos.backups
    with engine.store.read() as txn:
        record = backups.get(txn, live.rsplit("/", 1)[1])
    dead = dict(record, id="01700000000000-deadbeef", status="CREATING",
                arn=record["arn"].rsplit("/", 1)[0] + "/01700000000000-deadbeef")
    engine.store.write(lambda ctx: (backups.put(ctx.txn, dead), backups.add_items(
        ctx.txn, dead["id"], [(b"k%d" % i, b"v") for i in range(1500)])))
    engine.sweep()
    assert error_of(client.describe_backup, BackupArn=dead["arn"])[0] == "BackupNotFoundException"
    with engine.store.read() as txn:
        assert backups.items(txn, dead["id"], None, 10) == []
    available(client, live)


def test_a_copy_that_finishes_while_the_sweeper_looks_is_kept(embedded_db):
    """The sweeper lists CREATING backups, then checks each one's lease: a
    copy that finished in between (AVAILABLE, lease released) is kept."""
    from dynalite_py.jobs.backups import _discard_some
    engine, client = embedded_db.engine, embedded_db.client()
    table = create_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "kept"}})
    arn = client.create_backup(TableName=table, BackupName="done")["BackupDetails"]["BackupArn"]
    available(client, arn)
    assert engine.store.write(lambda ctx: _discard_some(ctx, engine.repos, arn.rsplit("/", 1)[1]))
    available(client, arn)
    restored = client.restore_table_from_backup(TargetTableName=table + "-r", BackupArn=arn)
    assert restored["TableDescription"]["TableName"] == table + "-r"


NUMBERS = st.decimals(min_value=-10**20, max_value=10**20, allow_nan=False, places=3)
VALUES = st.recursive(
    st.one_of(st.builds(lambda s: {"S": s}, st.text(min_size=1, max_size=20)),
              st.builds(lambda n: {"N": str(n)}, NUMBERS),
              st.builds(lambda b: {"B": b}, st.binary(min_size=1, max_size=20)),
              st.builds(lambda b: {"BOOL": b}, st.booleans())),
    lambda inner: st.one_of(st.builds(lambda items: {"L": items}, st.lists(inner, max_size=3)),
                            st.builds(lambda m: {"M": m}, st.dictionaries(
                                st.text(min_size=1, max_size=5), inner, max_size=3))),
    max_leaves=6)


@settings(max_examples=15, deadline=None)
@given(st.dictionaries(st.tuples(st.binary(min_size=1, max_size=8), NUMBERS),
                       st.dictionaries(st.text(min_size=1, max_size=6).filter(
                           lambda name: name not in ("pk", "sk")), VALUES, max_size=3),
                       min_size=1, max_size=30))
def test_any_items_restore_exactly(embedded_db, items):
    """Items of any shape under binary partition keys and number sort keys:
    the restored table holds each exactly, in the same sort order."""
    client = embedded_db.client()
    table = create_table(client, "B", "N")
    for (pk, sk), attributes in items.items():
        client.put_item(TableName=table, Item={"pk": {"B": pk}, "sk": {"N": str(sk)},
                                               **attributes})
    arn = client.create_backup(TableName=table, BackupName="any")["BackupDetails"]["BackupArn"]
    available(client, arn)
    target = unique_name()
    client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    support.active_table(client, target)
    assert sorted(map(repr, scan_all(client, target))) == sorted(map(repr, scan_all(client, table)))
    some_pk = next(iter(items))[0]
    query = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"B": some_pk}}}
    assert client.query(TableName=target, **query)["Items"] == client.query(
        TableName=table, **query)["Items"]
    client.delete_table(TableName=table)
    client.delete_table(TableName=target)
    client.delete_backup(BackupArn=arn)


def test_a_provisioned_table_by_arn_and_bad_backup_names(client, embedded_db):
    table = create_table(client, BillingMode="PROVISIONED", ProvisionedThroughput={
        "ReadCapacityUnits": 3, "WriteCapacityUnits": 2},
        SSESpecification={"Enabled": True, "KMSMasterKeyId": "source-key"})
    table_arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    arn = client.create_backup(TableName=table_arn, BackupName="by_arn-1.0")["BackupDetails"][
        "BackupArn"]
    description = available(client, arn)
    source = description["SourceTableDetails"]
    assert source["BillingMode"] == "PROVISIONED"
    assert source["ProvisionedThroughput"] == {"ReadCapacityUnits": 3, "WriteCapacityUnits": 2}
    assert description["SourceTableFeatureDetails"]["SSEDescription"][
        "KMSMasterKeyArn"].endswith(":key/source-key")
    target = unique_name()
    client.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    described = support.active_table(client, target)
    assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert described["SSEDescription"]["KMSMasterKeyArn"].endswith(":key/source-key")
    no_sse = unique_name()
    client.restore_table_from_backup(TargetTableName=no_sse, BackupArn=arn,
                                     SSESpecificationOverride={"Enabled": False})
    assert "SSEDescription" not in support.active_table(client, no_sse)
    with pytest.raises(dynalite_py.DynamoError) as info:  # boto3 refuses it
        embedded_db.call("CreateBackup", {"TableName": table, "BackupName": "bad name!"})
    assert info.value.message == (
        "1 validation error detected: Value 'bad name!' at 'backupName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")


def test_restore_on_demand_maxima(client):
    table = create_table(client, OnDemandThroughput={"MaxReadRequestUnits": 100,
                                                     "MaxWriteRequestUnits": 50})
    arn = client.create_backup(TableName=table, BackupName="maxima")["BackupDetails"]["BackupArn"]
    assert available(client, arn)["SourceTableDetails"]["OnDemandThroughput"] == {
        "MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50}
    kept, changed = unique_name(), unique_name()
    client.restore_table_from_backup(TargetTableName=kept, BackupArn=arn)
    assert support.active_table(client, kept)["OnDemandThroughput"] == {
        "MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50}
    # one restore at a time from a backup: the second once the first is ACTIVE
    client.restore_table_from_backup(TargetTableName=changed, BackupArn=arn,
                                     OnDemandThroughputOverride={"MaxReadRequestUnits": 7,
                                                                 "MaxWriteRequestUnits": 8})
    assert support.active_table(client, changed)["OnDemandThroughput"] == {
        "MaxReadRequestUnits": 7, "MaxWriteRequestUnits": 8}


def test_list_backups_limit_bounds(embedded_db):
    with pytest.raises(dynalite_py.DynamoError) as info:  # boto3 refuses it
        embedded_db.call("ListBackups", {"Limit": 101})
    assert info.value.message == (
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 100")
    with pytest.raises(dynalite_py.DynamoError) as info:
        embedded_db.call("ListBackups", {"BackupType": "BOGUS"})
    assert info.value.name == "ValidationException"


def test_a_backup_of_an_updating_table(tmp_path):
    """An UPDATING table (here: its stream just enabled) can be backed up
    (ack-api-quirks DDB-BACKUP-001)."""
    with open_db(str(tmp_path), table_status_delay=60.0) as db:
        client = db.client()
        engine = db.engine
        name = unique_name()
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        real_clock = engine.clock
        engine.clock = lambda: real_clock() + 61  # past CREATING
        client.put_item(TableName=name, Item={"pk": {"S": "a"}})
        client.update_table(TableName=name, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "UPDATING"
        arn = client.create_backup(TableName=name, BackupName="updating")["BackupDetails"][
            "BackupArn"]
        assert available(client, arn)["SourceTableDetails"]["ItemCount"] == 1


def test_list_backups_takes_bounds_past_any_time(embedded_db):
    """A bound of 1e308 seconds has no whole milliseconds (it once gave an
    HTTP 500: bench/fuzz.py found it); it simply lies after every backup."""
    client = embedded_db.client("dynamodb")
    name = create_table(client)
    arn = client.create_backup(TableName=name, BackupName="far-bounds")["BackupDetails"][
        "BackupArn"]
    upper = embedded_db.call("ListBackups", {"TableName": name, "TimeRangeUpperBound": 1e308})
    assert [b["BackupArn"] for b in upper["BackupSummaries"]] == [arn]
    assert embedded_db.call("ListBackups", {"TableName": name, "TimeRangeLowerBound": 1e308,
                                            "Limit": 72}) == {"BackupSummaries": []}

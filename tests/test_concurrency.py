"""Many processes against one server and against one shared data directory:
conditional increments never lose an update, transfers in transactions keep
the total, and transactional reads never see a torn state."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from support import NO_RETRIES, create_table, http_client, start_server

import dynalite_py

WORKER = textwrap.dedent('''
    import json, random, sys
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
    import dynalite_py

    mode, where, table, role, count = sys.argv[1:6]
    count = int(count)
    retries = Config(retries={"total_max_attempts": 1})
    if mode == "http":
        client = boto3.client("dynamodb", endpoint_url=where, region_name="us-east-1",
                              aws_access_key_id="any", aws_secret_access_key="any",
                              config=retries)
    else:
        client = dynalite_py.open(where).client(config=retries)

    def increment():
        done = conflicts = 0
        while done < count:
            item = client.get_item(TableName=table, Key={"pk": {"S": "counter"}},
                                   ConsistentRead=True)["Item"]
            old = item["n"]["N"]
            try:
                client.update_item(
                    TableName=table, Key={"pk": {"S": "counter"}},
                    UpdateExpression="SET n = :new", ConditionExpression="n = :old",
                    ExpressionAttributeValues={":new": {"N": str(int(old) + 1)},
                                               ":old": {"N": old}})
                done += 1
            except ClientError as error:
                assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
                conflicts += 1
        return {"done": done, "conflicts": conflicts}

    def transfer():
        moved = cancelled = 0
        for _ in range(count):
            source, target = random.sample(range(6), 2)
            amount = {":x": {"N": str(random.randint(1, 40))}}
            try:
                client.transact_write_items(TransactItems=[
                    {"Update": {"TableName": table, "Key": {"pk": {"S": f"a{source}"}},
                                "UpdateExpression": "SET bal = bal - :x",
                                "ConditionExpression": "bal >= :x",
                                "ExpressionAttributeValues": amount}},
                    {"Update": {"TableName": table, "Key": {"pk": {"S": f"a{target}"}},
                                "UpdateExpression": "SET bal = bal + :x",
                                "ExpressionAttributeValues": amount}}])
                moved += 1
            except ClientError as error:
                assert error.response["Error"]["Code"] == "TransactionCanceledException"
                cancelled += 1
        return {"moved": moved, "cancelled": cancelled}

    def audit():
        totals = set()
        for _ in range(count):
            got = client.transact_get_items(TransactItems=[
                {"Get": {"TableName": table, "Key": {"pk": {"S": f"a{i}"}}}} for i in range(6)])
            balances = [int(r["Item"]["bal"]["N"]) for r in got["Responses"]]
            assert min(balances) >= 0, balances
            totals.add(sum(balances))
        return {"totals": sorted(totals)}

    def batch():
        for start in range(0, count, 25):
            client.batch_write_item(RequestItems={table: [
                {"PutRequest": {"Item": {"pk": {"S": f"{role}-{i}"}}}}
                for i in range(start, min(start + 25, count))]})
        return {"written": count}

    name = role.split("-")[0]
    print(json.dumps({"increment": increment, "transfer": transfer, "audit": audit,
                      "batch": batch}[name]()))
''')


def run_workers(mode: str, where: str, table: str, roles: list[tuple[str, int]]) -> list[dict]:
    """Start one process per (role, count); all must finish within a minute."""
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, mode, where, table, role,
                                   str(count)], stdout=subprocess.PIPE, text=True)
                 for role, count in roles]
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        results.append(json.loads(out))
    return results


@pytest.fixture(params=["http", "embedded"])
def target(request, tmp_path):
    """(mode, endpoint or data directory, a client in this process)."""
    if request.param == "http":
        process, url = start_server(str(tmp_path))
        yield "http", url, http_client(url)
        process.terminate()
        process.wait(10)
    else:
        with dynalite_py.open(str(tmp_path)) as db:
            yield "embedded", str(tmp_path), db.client(config=NO_RETRIES)


def test_conditional_increments_never_lose_an_update(target):
    mode, where, client = target
    table = create_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "counter"}, "n": {"N": "0"}})
    results = run_workers(mode, where, table, [(f"increment-{i}", 40) for i in range(4)])
    assert sum(r["done"] for r in results) == 160
    final = client.get_item(TableName=table, Key={"pk": {"S": "counter"}}, ConsistentRead=True)
    assert final["Item"]["n"] == {"N": "160"}


def test_transfers_keep_the_total_and_reads_are_never_torn(target):
    mode, where, client = target
    table = create_table(client)
    for index in range(6):
        client.put_item(TableName=table, Item={"pk": {"S": f"a{index}"}, "bal": {"N": "100"}})
    results = run_workers(mode, where, table, [("transfer-0", 60), ("transfer-1", 60),
                                               ("audit-0", 60), ("audit-1", 60)])
    assert sum(r.get("moved", 0) for r in results) > 0
    for audit in results[2:]:
        assert audit["totals"] == [600]
    balances = [int(client.get_item(TableName=table, Key={"pk": {"S": f"a{i}"}},
                                    ConsistentRead=True)["Item"]["bal"]["N"]) for i in range(6)]
    assert sum(balances) == 600 and min(balances) >= 0


def test_batch_writes_from_several_processes_all_land(target):
    mode, where, client = target
    table = create_table(client)
    run_workers(mode, where, table, [(f"batch-{i}", 100) for i in range(3)])
    count = sum(page["Count"] for page in client.get_paginator("scan").paginate(
        TableName=table, Select="COUNT"))
    assert count == 300

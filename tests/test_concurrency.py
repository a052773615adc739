"""Many processes against one server and against one shared data directory:
conditional increments never lose an update, transfers in transactions keep
the total, transactional reads never see a torn state, and batch writes from
several processes all land.

Workers are separate interpreters (a "spawn" pool), so nothing but the server
or the LMDB directory is shared. They start together: each one signals that it is
ready (client built, models loaded) and waits for a "go" file, so the work
really overlaps instead of being staggered by interpreter start-up."""
from __future__ import annotations

import multiprocessing
import random
import time
from pathlib import Path

import pytest
import support
from botocore.exceptions import ClientError
from support import NO_RETRIES, create_table, http_client, open_db

DEADLINE = 60  # seconds for all the workers of one test
POOL_SIZE = 5


def connect(mode: str, where: str):
    """(client, database or None) in a worker process."""
    if mode == "http":
        return http_client(where), None
    db = open_db(where)
    return db.client(config=NO_RETRIES), db


def run(job: str, mode: str, where: str, table: str, role: str, count: int, sync: str) -> dict:
    """One worker's job (in a pool process): connect, meet the others at the
    barrier, do the work, report."""
    client, db = connect(mode, where)
    try:
        client.describe_table(TableName=table)  # warm up: models loaded, connection open
        (Path(sync) / f"ready-{role}").touch()
        deadline = time.monotonic() + 30
        while not (Path(sync) / "go").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("no go signal")
            time.sleep(0.002)
        return JOBS[job](client, table, role, count, Path(sync))
    finally:
        if db is not None:
            db.close()


def increment(client, table: str, role: str, count: int, sync: Path) -> dict:
    done = conflicts = 0
    while done < count:
        item = client.get_item(TableName=table, Key={"pk": {"S": "counter"}},
                               ConsistentRead=True)["Item"]
        old = item["n"]["N"]
        try:
            client.update_item(
                TableName=table, Key={"pk": {"S": "counter"}},
                UpdateExpression="SET n = :new", ConditionExpression="n = :old",
                ExpressionAttributeValues={":new": {"N": str(int(old) + 1)}, ":old": {"N": old}})
            done += 1
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            conflicts += 1
    return {"done": done, "conflicts": conflicts}


def transfer(client, table: str, role: str, count: int, sync: Path) -> dict:
    moved = cancelled = 0
    for _ in range(count):
        source, target = random.sample(range(6), 2)
        amount = {":x": {"N": str(random.randint(1, 60))}}
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
        except ClientError as error:  # a failed condition, or a conflicting transaction
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            cancelled += 1
    return {"moved": moved, "cancelled": cancelled}


def audit(client, table: str, role: str, count: int, sync: Path) -> dict:
    """Read every account in one transaction until the transfers are over (and
    at least `count` times); every snapshot must total 600, none negative."""
    reads = cancelled = 0
    torn = []
    while reads < count or not (sync / "stop").exists():
        try:
            got = client.transact_get_items(TransactItems=[
                {"Get": {"TableName": table, "Key": {"pk": {"S": f"a{i}"}}}} for i in range(6)])
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            cancelled += 1
            continue
        balances = [int(r["Item"]["bal"]["N"]) for r in got["Responses"]]
        if sum(balances) != 600 or min(balances) < 0:
            torn.append(balances)
        reads += 1
    return {"reads": reads, "cancelled": cancelled, "torn": torn[:10]}


def batch(client, table: str, role: str, count: int, sync: Path) -> dict:
    unprocessed = 0
    for start in range(0, count, 25):
        requests = {table: [{"PutRequest": {"Item": {"pk": {"S": f"{role}-{i}"}, "n": {"N": str(i)}}}}
                            for i in range(start, min(start + 25, count))]}
        while requests:  # the documented client contract: resend what was left
            requests = client.batch_write_item(RequestItems=requests)["UnprocessedItems"]
            unprocessed += sum(len(v) for v in requests.values())
    return {"written": count, "unprocessed": unprocessed}


JOBS = {"increment": increment, "transfer": transfer, "audit": audit, "batch": batch}


class Pool:
    """Spawned worker processes, reused by every test (interpreter start-up is
    paid once); a test that times out replaces them."""

    def __init__(self) -> None:
        self.pool = None

    def get(self):
        if self.pool is None:
            self.pool = multiprocessing.get_context("spawn").Pool(POOL_SIZE)
        return self.pool

    def discard(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


class Workers:
    """One job per (role, count) in the pool, started together behind a barrier."""

    def __init__(self, pool: Pool, mode: str, where: str, table: str,
                 roles: list[tuple[str, int]], sync: Path) -> None:
        assert len(roles) <= POOL_SIZE
        sync.mkdir()
        self.pool, self.sync = pool, sync
        self.deadline = time.monotonic() + DEADLINE
        self.jobs = {role: pool.get().apply_async(run, (role.split("-")[0], mode, where, table,
                                                        role, count, str(sync)))
                     for role, count in roles}
        while not all((sync / f"ready-{role}").exists() for role in self.jobs):
            for role, job in self.jobs.items():
                if job.ready():
                    job.get()  # raises the worker's error
                    pytest.fail(f"{role} finished before the start")
            self.check_deadline("workers did not become ready")
            time.sleep(0.01)
        (sync / "go").touch()

    def check_deadline(self, message: str) -> None:
        if time.monotonic() > self.deadline:
            self.pool.discard()  # kills the stuck processes
            pytest.fail(f"{message} within {DEADLINE} s")

    def join(self, *roles: str) -> dict[str, dict]:
        """Results of the given workers (all by default); a worker still running
        at the deadline fails the test, a worker's error is raised here."""
        results = {}
        for role in roles or list(self.jobs):
            try:
                results[role] = self.jobs[role].get(max(0.1, self.deadline - time.monotonic()))
            except multiprocessing.TimeoutError:
                self.pool.discard()  # kills the stuck processes
                pytest.fail(f"{role} did not finish within {DEADLINE} s")
        return results


@pytest.fixture(scope="module")
def pool():
    pool = Pool()
    yield pool
    pool.discard()


@pytest.fixture
def workers(pool, tmp_path):
    started = []

    def start(*args) -> Workers:
        group = Workers(pool, *args, sync=tmp_path / f"sync-{len(started)}")
        started.append(group)
        return group
    yield start
    if any(not job.ready() for group in started for job in group.jobs.values()):
        pool.discard()  # a failed test leaves no work running into the next one


@pytest.fixture(params=["http", "embedded"])
def target(request, tmp_path):
    """(mode, endpoint or shared data directory, a client in this process)."""
    if request.param == "http":
        url = request.getfixturevalue("server_url")
        yield "http", url, http_client(url)
    else:
        if support.BACKEND == "memory":
            pytest.skip("LMDB only: worker processes open one data directory")
        data = tmp_path / "data"
        data.mkdir()
        with open_db(str(data)) as db:  # the workers open the same store
            yield "embedded", support.store_location(str(data)), db.client(config=NO_RETRIES)


def test_conditional_increments_never_lose_an_update(target, workers):
    mode, where, client = target
    table = create_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "counter"}, "n": {"N": "0"}})
    results = workers(mode, where, table, [(f"increment-{i}", 40) for i in range(4)]).join()
    assert sum(r["done"] for r in results.values()) == 160
    final = client.get_item(TableName=table, Key={"pk": {"S": "counter"}}, ConsistentRead=True)
    assert final["Item"]["n"] == {"N": "160"}


def test_transfers_keep_the_total_and_reads_are_never_torn(target, workers):
    mode, where, client = target
    table = create_table(client)
    for index in range(6):
        client.put_item(TableName=table, Item={"pk": {"S": f"a{index}"}, "bal": {"N": "100"}})
    group = workers(mode, where, table, [("transfer-0", 60), ("transfer-1", 60),
                                         ("transfer-2", 60), ("audit-0", 20), ("audit-1", 20)])
    transfers = group.join("transfer-0", "transfer-1", "transfer-2")
    (group.sync / "stop").touch()
    audits = group.join("audit-0", "audit-1")
    assert sum(r["moved"] for r in transfers.values()) > 0
    for role, audit in audits.items():
        assert audit["torn"] == [], f"{role} saw a torn or negative state"
        assert audit["reads"] >= 20
    balances = [int(client.get_item(TableName=table, Key={"pk": {"S": f"a{i}"}},
                                    ConsistentRead=True)["Item"]["bal"]["N"]) for i in range(6)]
    assert sum(balances) == 600 and min(balances) >= 0, balances


def test_batch_writes_from_several_processes_all_land(target, workers):
    mode, where, client = target
    table = create_table(client)
    workers(mode, where, table, [(f"batch-{i}", 150) for i in range(4)]).join()
    pages = list(client.get_paginator("scan").paginate(
        TableName=table, Select="COUNT", PaginationConfig={"PageSize": 100}))
    assert len(pages) >= 6  # the count really was paged
    assert sum(page["Count"] for page in pages) == 600
    keys = set()
    for page in client.get_paginator("scan").paginate(TableName=table, PaginationConfig={"PageSize": 100}):
        keys.update(item["pk"]["S"] for item in page["Items"])
    assert keys == {f"batch-{p}-{i}" for p in range(4) for i in range(150)}

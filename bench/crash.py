"""Crash trials: mixed writes against a server killed with SIGKILL at random.

    python -m bench.crash [--trials 20] [--seed N]

Each trial starts `dynalite-py serve` on a fresh data directory with a
trigger on the table, drives four writer threads (conditional versioned
UpdateItem, DeleteItem, and TransactWriteItems moving money between two
accounts) over HTTP, kills the server with SIGKILL after a random delay,
restarts it and checks:

- every acknowledged write is there: a key's stored version is at least its
  last acknowledged version and at most its last attempted one, and an
  acknowledged delete (not followed by an attempted write) left no item;
- transactions are all-or-nothing: the accounts still hold their total;
- the GSI holds exactly the items carrying its key, with their attributes;
- the stream has, per key, strictly increasing versions with no
  duplicates, including every acknowledged one;
- the trigger, resumed from its checkpoint, receives every stream record
  (at least once: duplicates across the crash are counted, not failed).

tests/test_crash_safety.py runs a few trials in CI; this command is the
nightly-size run (docs/benchmarks.md, "Crash safety").
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402
from support import http_client, listeners, read_stream, start_server, wait_for  # noqa: E402

from server.workers import default_workers  # noqa: E402

TABLE = "crash"
ACCOUNTS = 4
START_BALANCE = 1000
KEYS = 40
TRIGGER_ENV = {"DYNALITE_BRIDGE_POLL_INTERVAL": "0.02"}
HANDLER = """
import json, os

def record(event, context):
    with open(os.path.join(os.path.dirname(__file__), "seen.jsonl"), "a") as out:
        for r in event["Records"]:
            out.write(json.dumps([r["dynamodb"]["SequenceNumber"],
                                  r["dynamodb"]["Keys"]["pk"]["S"]]) + "\\n")
        out.flush()
"""


@dataclass
class Ledger:
    """What the writers attempted and what the server acknowledged, per key:
    (version, is_delete). One writer owns each key, so at most one write
    per key is in flight when the server dies."""
    attempted: dict[str, tuple[int, bool]] = field(default_factory=dict)
    acknowledged: dict[str, tuple[int, bool]] = field(default_factory=dict)
    acked_updates: dict[str, set[int]] = field(default_factory=dict)
    writes: int = 0
    errors: list[str] = field(default_factory=list)  # answers other than a dead server
    lock: threading.Lock = field(default_factory=threading.Lock)
    # called under the lock right after an acknowledgement is recorded
    after_ack: Callable[[], None] | None = None


def create_table(client) -> None:
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "colour", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-colour", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "colour", "KeyType": "HASH"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    client.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 0.02})
    for index in range(ACCOUNTS):
        client.put_item(TableName=TABLE, Item={"pk": {"S": f"acct{index}"},
                                               "bal": {"N": str(START_BALANCE)}})


def writer(client, ledger: Ledger, keys: list[str], rng: random.Random,
           stop: threading.Event) -> None:
    """Versioned writes to its own keys, and transfers; returns when the server dies."""
    versions = {key: 0 for key in keys}
    try:
        while not stop.is_set():
            if rng.random() < 0.2:
                transfer(client, rng)
                continue
            key = rng.choice(keys)
            version = versions[key] + 1
            versions[key] = version
            delete = rng.random() < 0.15
            with ledger.lock:
                ledger.attempted[key] = (version, delete)
            if delete:
                client.delete_item(TableName=TABLE, Key={"pk": {"S": key}})
            else:
                client.update_item(
                    TableName=TABLE, Key={"pk": {"S": key}},
                    UpdateExpression="SET v = :v, colour = :c, filler = :f",
                    ConditionExpression="attribute_not_exists(v) OR v < :v",
                    ExpressionAttributeValues={":v": {"N": str(version)},
                                               ":c": {"S": rng.choice(["red", "blue"])},
                                               ":f": {"S": "x" * rng.randint(10, 300)}})
            with ledger.lock:
                ledger.acknowledged[key] = (version, delete)
                if not delete:
                    ledger.acked_updates.setdefault(key, set()).add(version)
                ledger.writes += 1
                if ledger.after_ack is not None:
                    ledger.after_ack()
    except BotoCoreError:  # the connection died with the server
        return
    except Exception as error:  # an answer we did not expect: the trial fails
        ledger.errors.append(repr(error))


def transfer(client, rng: random.Random) -> None:
    source, target = rng.sample(range(ACCOUNTS), 2)
    amount = {":x": {"N": str(rng.randint(1, 50))}}
    try:
        client.transact_write_items(TransactItems=[
            {"Update": {"TableName": TABLE, "Key": {"pk": {"S": f"acct{source}"}},
                        "UpdateExpression": "SET bal = bal - :x",
                        "ConditionExpression": "bal >= :x", "ExpressionAttributeValues": amount}},
            {"Update": {"TableName": TABLE, "Key": {"pk": {"S": f"acct{target}"}},
                        "UpdateExpression": "SET bal = bal + :x",
                        "ExpressionAttributeValues": amount}}])
    except ClientError as error:  # a cancelled transfer is fine
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise


def stream_records(url: str) -> list[dict]:
    arn = http_client(url).describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    return read_stream(http_client(url, "dynamodbstreams"), arn)


def scan_items(client) -> dict[str, dict]:
    """Every item of the table by its key, read consistently."""
    items = {}
    for page in client.get_paginator("scan").paginate(TableName=TABLE, ConsistentRead=True):
        items.update({item["pk"]["S"]: item for item in page["Items"]})
    return items


def check(url: str, ledger: Ledger, seen_file: Path) -> dict:
    """Verify a restarted server against the ledger; returns counts."""
    assert not ledger.errors, ledger.errors[:3]
    client = http_client(url)
    items = scan_items(client)
    total = sum(int(items[f"acct{i}"]["bal"]["N"]) for i in range(ACCOUNTS))
    assert total == ACCOUNTS * START_BALANCE, f"transfers not atomic: total {total}"
    for key, (version, delete) in ledger.attempted.items():
        stored = int(items[key]["v"]["N"]) if key in items else None
        acked = ledger.acknowledged.get(key)
        before = None if acked is None or acked[1] else acked[0]  # state after the last ack
        after = None if delete else version  # state if the write in flight landed
        allowed = {before} if acked is not None and acked[0] == version else {before, after}
        assert stored in allowed, f"{key}: stored version {stored}, allowed {allowed}"
    indexed = {}
    for colour in ("red", "blue"):
        for page in client.get_paginator("query").paginate(
                TableName=TABLE, IndexName="by-colour", KeyConditionExpression="colour = :c",
                ExpressionAttributeValues={":c": {"S": colour}}):
            indexed.update({item["pk"]["S"]: item for item in page["Items"]})
    expected = {key: item for key, item in items.items() if "colour" in item}
    assert indexed == expected, "GSI entries differ from their items"
    records = stream_records(url)
    versions: dict[str, list[int]] = {}
    for record in records:
        key = record["dynamodb"]["Keys"]["pk"]["S"]
        if key.startswith("acct"):
            continue
        image = record["dynamodb"].get("NewImage")
        versions.setdefault(key, []).append(
            int(image["v"]["N"]) if image else -1)  # a REMOVE
    for key, acked_versions in ledger.acked_updates.items():
        written = [v for v in versions.get(key, []) if v != -1]
        assert written == sorted(set(written)), f"{key}: stream versions {written}"
        assert acked_versions <= set(written), f"{key}: acknowledged updates without a record"
    sequence_numbers = {record["dynamodb"]["SequenceNumber"] for record in records}
    deadline = time.time() + 30
    delivered: list[str] = []
    while time.time() < deadline:
        lines = seen_file.read_text().splitlines() if seen_file.exists() else []
        delivered = [json.loads(line)[0] for line in lines]
        if sequence_numbers <= set(delivered):
            break
        time.sleep(0.1)
    missing = sequence_numbers - set(delivered)
    assert not missing, f"trigger never received {len(missing)} records"
    return {"writes acknowledged": ledger.writes, "stream records": len(records),
            "trigger duplicates": len(delivered) - len(set(delivered))}


def trigger_setup(workdir: Path) -> tuple[tuple[str, ...], Path]:
    """Write the trigger's handler module; return the serve arguments that
    install it and the file it appends each delivered record to."""
    code = workdir / "code"
    code.mkdir(parents=True)
    (code / "audit.py").write_text(HANDLER)
    return ("--trigger", f"{TABLE}=audit.record", "--code-dir", str(code)), code / "seen.jsonl"


def write_until_killed(process: subprocess.Popen, url: str, rng: random.Random,
                       kill_on_ack: bool = False) -> Ledger:
    """Create the table, run the four writers, SIGKILL the server after a
    random 0.3-1.5 s (with kill_on_ack, at the first acknowledgement after
    it); return the ledger once every writer has stopped."""
    ledger, stop, threads = Ledger(), threading.Event(), []
    try:
        create_table(http_client(url))
        keys = [f"k{i}" for i in range(KEYS)]
        threads = [threading.Thread(target=writer, args=(http_client(url), ledger, keys[i::4],
                                                         random.Random(rng.random()), stop))
                   for i in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.3, 1.5))
        if kill_on_ack:
            ledger.after_ack = lambda: kill_once(process, ledger)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:  # no acknowledgement came: kill it now
                pass
    finally:  # killed also when the table could not be made: no server left behind
        with ledger.lock:
            ledger.after_ack = None
        process.send_signal(signal.SIGKILL)
        process.wait()
        stop.set()
    for thread in threads:
        thread.join(30)
    return ledger


def kill_once(process: subprocess.Popen, ledger: Ledger) -> None:
    """SIGKILL the server from the writer that just recorded an acknowledgement
    (under the ledger's lock, so only the first one does)."""
    ledger.after_ack = None
    os.kill(process.pid, signal.SIGKILL)


def restart_and_check(data_dir: Path, trigger_args: tuple[str, ...], ledger: Ledger,
                      seen_file: Path, extra_checks: Callable[[str], dict] | None = None) -> dict:
    """Serve data_dir again and run check(); extra_checks(url) may add counts."""
    process, url = start_server(str(data_dir), *trigger_args, env=TRIGGER_ENV)
    try:
        result = check(url, ledger, seen_file)
        return {**result, **(extra_checks(url) if extra_checks else {})}
    finally:
        process.terminate()
        process.wait(10)


def trial(workdir: Path, rng: random.Random) -> dict:
    trigger_args, seen_file = trigger_setup(workdir)
    process, url = start_server(str(workdir / "data"), *trigger_args, env=TRIGGER_ENV)
    # every worker listening before the writers connect, so all of them take writes
    wait_for(lambda: listeners(url) >= default_workers(), seconds=20)
    ledger = write_until_killed(process, url, rng)
    return restart_and_check(workdir / "data", trigger_args, ledger, seen_file)


def run(trials: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    results = []
    with tempfile.TemporaryDirectory(prefix="dynalite-crash-") as root:
        for number in range(trials):
            results.append(trial(Path(root) / str(number), rng))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crash", description=__doc__)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.time()
    results = run(args.trials, args.seed)
    for number, result in enumerate(results):
        print(number, result)
    print(f"{len(results)} trials passed in {time.time() - started:.0f} s; "
          f"{sum(r['writes acknowledged'] for r in results)} writes acknowledged, "
          f"{sum(r['stream records'] for r in results)} stream records, "
          f"{sum(r['trigger duplicates'] for r in results)} trigger duplicates")


if __name__ == "__main__":
    main()

"""Soak: sustained mixed load against one server, watching its memory.

    python -m bench.soak [--minutes 10] [--threads 8]

Starts `dynalite-py serve` on a fresh directory with a stream and a
trigger, then runs puts, gets, conditional updates, queries, deletes and
transactions from several client threads over HTTP, and samples the
server's resident memory (/proc/PID/status VmRSS) every 10 seconds. Prints
the samples and the growth from the first minute to the end; the result
goes to docs/benchmarks.md ("Soak").
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from botocore.exceptions import ClientError  # noqa: E402
from support import http_client, secondaries_of, start_server  # noqa: E402

TABLE = "soak"
HANDLER = "def record(event, context):\n    return None\n"


def memory_kib(pid: int) -> tuple[int, int]:
    """(RssAnon, RssFile) of a server, its worker processes added up: heap and
    the like, and mapped file pages (LMDB's data file, which grows with the
    data and is cache, not a leak)."""
    anon = mapped = 0
    for worker in [pid, *secondaries_of(pid)]:
        fields = dict(line.split(":", 1) for line in
                      Path(f"/proc/{worker}/status").read_text().splitlines() if ":" in line)
        anon += int(fields["RssAnon"].split()[0])
        mapped += int(fields["RssFile"].split()[0])
    return anon, mapped


def load(client, rng: random.Random, stop: threading.Event, counts: list[int]) -> None:
    while not stop.is_set():
        key = {"pk": {"S": f"p{rng.randint(0, 200)}"}, "sk": {"N": str(rng.randint(0, 50))}}
        choice = rng.random()
        try:
            if choice < 0.3:
                client.put_item(TableName=TABLE, Item={**key, "data": {"S": "x" * 200}})
            elif choice < 0.55:
                client.get_item(TableName=TABLE, Key=key)
            elif choice < 0.75:
                client.update_item(TableName=TABLE, Key=key, UpdateExpression="ADD hits :one",
                                   ConditionExpression="attribute_exists(pk)",
                                   ExpressionAttributeValues={":one": {"N": "1"}})
            elif choice < 0.9:
                client.query(TableName=TABLE, KeyConditionExpression="pk = :p", Limit=10,
                             ExpressionAttributeValues={":p": key["pk"]})
            elif choice < 0.95:
                client.delete_item(TableName=TABLE, Key=key)
            else:
                other = {"pk": key["pk"], "sk": {"N": str(int(key["sk"]["N"]) + 100)}}
                client.transact_write_items(TransactItems=[
                    {"Put": {"TableName": TABLE, "Item": {**key, "t": {"BOOL": True}}}},
                    {"Put": {"TableName": TABLE, "Item": {**other, "t": {"BOOL": True}}}}])
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("ConditionalCheckFailedException",
                                                       "TransactionCanceledException"):
                raise
        counts[0] += 1


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dynalite-soak-") as root:
        code = Path(root) / "code"
        code.mkdir()
        (code / "noop.py").write_text(HANDLER)
        process, url = start_server(str(Path(root) / "data"), "--trigger",
                                    f"{TABLE}=noop.record", "--code-dir", str(code))
        client = http_client(url)
        client.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        client.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 0.05})
        stop, counts = threading.Event(), [0]
        threads = [threading.Thread(target=load, args=(http_client(url), random.Random(i),
                                                       stop, counts))
                   for i in range(args.threads)]
        for thread in threads:
            thread.start()
        samples, started = [], time.time()
        try:
            while time.time() - started < args.minutes * 60:
                time.sleep(10)
                anon, mapped = memory_kib(process.pid)
                samples.append((time.time() - started, anon, counts[0]))
                print(f"{samples[-1][0]:6.0f} s  RssAnon {anon / 1024:7.1f} MiB  "
                      f"RssFile {mapped / 1024:7.1f} MiB  {counts[0]:,} requests", flush=True)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
            process.terminate()
            process.wait(10)
    after_minute = next((rss for at, rss, _ in samples if at >= 60), samples[0][1])
    print(f"{counts[0]:,} requests in {args.minutes:g} min; RssAnon after 1 min "
          f"{after_minute / 1024:.1f} MiB, at the end {samples[-1][1] / 1024:.1f} MiB "
          f"({(samples[-1][1] - after_minute) / 1024:+.1f} MiB)")


if __name__ == "__main__":
    main()

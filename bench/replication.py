"""Global tables: the write cost of replication and its lag, embedded.

    python -m bench.replication [--calls 3000] [--rounds 3] [--rates 500,2000,8000]
                                [--seconds 2] [--lag 0] [--backend lmdb|memory]

1. PutItem on a plain table, on one with a NEW_AND_OLD_IMAGES stream (as
   every replica has), on an eventually consistent global table (two
   regions) and on a STRONG one (three regions), best of `rounds` rounds
   each, alternating, as ratios to the plain table.
2. Lag under load: a writer puts items into the east replica at each
   `rate` (items/s) for `seconds`; a reader in the west replica notes when
   each item appears (ConsistentRead). Prints lag p50/p99/max from the
   write's acknowledgement to its visibility, and the replication
   throughput (items/s applied over the run). With `--lag` the replicator
   holds changes back that long (Config.replication_lag), which the p50
   then shows.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time

import dynalite_py
from dynalite_py.namespaces import Namespace

EAST, WEST, OHIO = "us-east-1", "us-west-2", "us-east-2"
KEY = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
       "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
       "BillingMode": "PAY_PER_REQUEST"}
GIVE_UP = 30.0  # seconds after the last write before an item counts as lost


def region(engine, name: str):
    return engine.in_namespace(Namespace(engine.config.account_id, name))


def wait_active(engine, name: str) -> None:
    def settled() -> bool:
        table = engine.call("DescribeTable", {"TableName": name})["Table"]
        return table["TableStatus"] == "ACTIVE" and all(
            replica["ReplicaStatus"] == "ACTIVE" for replica in table.get("Replicas", ()))
    while not settled():
        time.sleep(0.005)


def make_tables(engine) -> None:
    """plain; streamed (a NEW_AND_OLD_IMAGES stream, as replicas have);
    eventual (east + west); strong (east + west + ohio)."""
    for name in ("plain", "streamed", "eventual", "strong"):
        stream = {"StreamSpecification": {"StreamEnabled": True,
                                          "StreamViewType": "NEW_AND_OLD_IMAGES"}}
        engine.call("CreateTable", {"TableName": name, **KEY,
                                    **(stream if name == "streamed" else {})})
        wait_active(engine, name)
    engine.call("UpdateTable", {"TableName": "eventual",
                                "ReplicaUpdates": [{"Create": {"RegionName": WEST}}]})
    wait_active(engine, "eventual")
    engine.call("UpdateTable", {"TableName": "strong", "MultiRegionConsistency": "STRONG",
                                "ReplicaUpdates": [{"Create": {"RegionName": WEST}},
                                                   {"Create": {"RegionName": OHIO}}]})
    wait_active(engine, "strong")


def put_round(engine, name: str, calls: int, round_number: int) -> float:
    """Seconds per PutItem over `calls` puts (half new items, half replaced)."""
    requests = [{"TableName": name, "Item": {
        "pk": {"S": f"k{(round_number * calls + i) // 2}"}, "payload": {"S": "x" * 100}}}
        for i in range(calls)]
    started = time.perf_counter()
    for request in requests:
        engine.call("PutItem", request)
    return (time.perf_counter() - started) / calls


def write_costs(engine, calls: int, rounds: int) -> dict[str, float]:
    best = dict.fromkeys(("plain", "streamed", "eventual", "strong"), float("inf"))
    for round_number in range(rounds):
        for name in best:
            best[name] = min(best[name], put_round(engine, name, calls, round_number))
    return best


def lag_run(engine, rate: float, seconds: float, tag: str) -> dict:
    """Put items into east's "eventual" replica at `rate` for `seconds`;
    how long each took to be readable in west."""
    east, west = engine, region(engine, WEST)
    total = max(1, int(rate * seconds))
    written: list[float | None] = [None] * total
    lags: list[float] = []
    done = threading.Event()

    def reader() -> None:
        for number in range(total):
            key = {"pk": {"S": f"{tag}-{number}"}}
            while not west.call("GetItem", {"TableName": "eventual", "Key": key,
                                            "ConsistentRead": True}).get("Item"):
                if done.is_set() and time.perf_counter() - finished[0] > GIVE_UP:
                    return  # the rest never arrived: counted as missing
                time.sleep(0.0005)
            seen = time.perf_counter()
            while written[number] is None:  # seen before the writer noted the ack
                time.sleep(0.0001)
            lags.append(max(0.0, seen - written[number]))

    finished = [float("inf")]
    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    started = time.perf_counter()
    for number in range(total):
        due = started + number / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        east.call("PutItem", {"TableName": "eventual",
                              "Item": {"pk": {"S": f"{tag}-{number}"}, "n": {"N": str(number)}}})
        written[number] = time.perf_counter()
    finished[0] = time.perf_counter()
    done.set()
    thread.join()
    applied_in = time.perf_counter() - started
    ordered = sorted(lags)
    return {"rate": rate, "items": total, "arrived": len(lags),
            "offered": total / (finished[0] - started),
            "throughput": len(lags) / applied_in,
            "p50": statistics.median(ordered) if ordered else float("nan"),
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered
            else float("nan"),
            "max": ordered[-1] if ordered else float("nan")}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rates", default="500,2000,8000")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--lag", type=float, default=0.0)
    parser.add_argument("--backend", choices=("lmdb", "memory"), default="lmdb")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        where = directory if args.backend == "lmdb" else ":memory:"
        with dynalite_py.open(where, table_status_delay=0.0,
                              replication_lag=args.lag) as db:
            make_tables(db.engine)
            costs = write_costs(db.engine, args.calls, args.rounds)
            runs = [lag_run(db.engine, float(rate), args.seconds, f"r{rate}")
                    for rate in args.rates.split(",")]
    print(f"PutItem, {args.backend}, embedded, best of {args.rounds} rounds of {args.calls}:")
    for name, label in (("plain", "plain table"), ("streamed", "plain table with a stream"),
                        ("eventual", "global, 2 regions"),
                        ("strong", "global STRONG, 3 regions")):
        print(f"  {label:26} {costs[name] * 1e6:8.1f} µs  "
              f"ratio {costs[name] / costs['plain']:.2f}")
    print(f"Replication east -> west, --replication-lag {args.lag}:")
    print("  offered/s  applied/s  arrived     p50 ms    p99 ms    max ms")
    for run in runs:
        print(f"  {run['offered']:9.0f}  {run['throughput']:9.0f}  "
              f"{run['arrived']:>4}/{run['items']:<5} {run['p50'] * 1e3:8.1f}  "
              f"{run['p99'] * 1e3:8.1f}  {run['max'] * 1e3:8.1f}")
    return {"costs": costs, "runs": runs}


if __name__ == "__main__":
    main()

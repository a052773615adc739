"""The write cost of point-in-time recovery: PutItem on a table with PITR
on against one without, embedded, printed as a ratio.

    python -m bench.pitr [--calls 5000] [--rounds 5] [--backend lmdb|memory]

Each round puts `calls` items into each table in turn (alternating, so
that the host's speed swings fall on both alike) and the best round of
each counts. With PITR on, every write also stores the item's previous
image in the change history (storage/history.py), in the same
transaction: one more read and one more put.
"""
from __future__ import annotations

import argparse
import tempfile
import time

import dynalite_py

KEY = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
       "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
       "BillingMode": "PAY_PER_REQUEST"}


def make_table(db, name: str, pitr: bool) -> None:
    db.call("CreateTable", {"TableName": name, **KEY})
    while db.call("DescribeTable", {"TableName": name})["Table"]["TableStatus"] != "ACTIVE":
        time.sleep(0.01)
    if pitr:
        db.call("UpdateContinuousBackups", {"TableName": name, "PointInTimeRecoverySpecification": {
            "PointInTimeRecoveryEnabled": True}})


def put_round(engine, name: str, calls: int, round_number: int) -> float:
    """Seconds per PutItem over `calls` puts (half new items, half replaced)."""
    requests = [{"TableName": name, "Item": {
        "pk": {"S": f"k{(round_number * calls + i) // 2}"}, "v": {"N": str(i)},
        "payload": {"S": "x" * 100}}} for i in range(calls)]
    started = time.perf_counter()
    for request in requests:
        engine.call("PutItem", request)
    return (time.perf_counter() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", choices=("lmdb", "memory"), default="lmdb")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        where = directory if args.backend == "lmdb" else ":memory:"
        with dynalite_py.open(where, table_status_delay=0.0) as db:
            make_table(db, "plain", pitr=False)
            make_table(db, "recovered", pitr=True)
            best = {"plain": float("inf"), "recovered": float("inf")}
            for round_number in range(args.rounds):
                for name in best:
                    best[name] = min(best[name], put_round(db.engine, name, args.calls,
                                                           round_number))
    print(f"PutItem, {args.backend}, best of {args.rounds} rounds of {args.calls}:")
    print(f"  PITR off: {best['plain'] * 1e6:8.1f} µs")
    print(f"  PITR on:  {best['recovered'] * 1e6:8.1f} µs")
    print(f"  ratio (on / off): {best['recovered'] / best['plain']:.3f}")


if __name__ == "__main__":
    main()

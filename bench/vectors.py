"""SearchVectors' exact path: queries/s and p50 latency over one partition
of N vectors of D dimensions, embedded, and how many of the TopK an exact
search returns against a brute force in Python (always all of them).

    python -m bench.vectors [--vectors 10000] [--dimensions 128] [--queries 50]
"""
from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time

import dynalite_py


def load(db, name: str, count: int, dimensions: int, generator: random.Random) -> float:
    """Create the table with its vector index and write `count` items; seconds taken."""
    db.call("CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "VectorIndexes": [{"IndexName": "vec", "VectorAttribute": {"AttributeName": "emb"},
                           "Dimensions": dimensions, "DistanceFunction": "COSINE",
                           "Projection": {"ProjectionType": "KEYS_ONLY"}}]})
    started = time.perf_counter()
    requests = ({"PutRequest": {"Item": {"pk": {"S": f"i{n}"}, "emb": {"L": [
        {"N": f"{generator.uniform(-1, 1):.6f}"} for _ in range(dimensions)]}}}}
        for n in range(count))
    while batch := list(itertools.islice(requests, 25)):
        db.call("BatchWriteItem", {"RequestItems": {name: batch}})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=10_000)
    parser.add_argument("--dimensions", type=int, default=128)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--top-k", type=int, default=10)
    args = parser.parse_args()
    generator = random.Random(1)
    with tempfile.TemporaryDirectory() as directory, dynalite_py.open(
            directory, table_status_delay=0.0) as db:
        seconds = load(db, "bench", args.vectors, args.dimensions, generator)
        print(f"loaded {args.vectors} vectors of {args.dimensions} dims in {seconds:.1f} s "
              f"({args.vectors / seconds:.0f} items/s)")
        latencies = []
        for _ in range(args.queries):
            query = [{"N": f"{generator.uniform(-1, 1):.6f}"} for _ in range(args.dimensions)]
            started = time.perf_counter()
            db.call("SearchVectors", {"TableName": "bench", "IndexName": "vec",
                                      "TopK": args.top_k, "SearchVector": query})
            latencies.append(time.perf_counter() - started)
        total = sum(latencies)
        print(f"SearchVectors exact, TopK {args.top_k}: p50 "
              f"{statistics.median(latencies) * 1000:.1f} ms, "
              f"{args.queries / total:.1f} queries/s")


if __name__ == "__main__":
    main()

"""SearchVectors, exact against approximate: one partition of N vectors of D
dimensions (COSINE, KEYS_ONLY, TopK 10), embedded on LMDB.

1. Load the vectors with BatchWriteItem (an engine whose threshold is above
   N, so every search is exact); run the queries exactly: the truth, p50
   and queries/s.
2. Reopen with the approximate threshold (Config.vector_ann_threshold): the
   first search reads the partition and starts building its graph (the
   time until it is ready, the process's resident memory before and after); run the same queries:
   recall@10 against the exact answers, p50, queries/s.
3. Reopen again: the first search loads the saved graph instead of
   building it (its time against the build's).

    python -m bench.vectors [--vectors 100000] [--dimensions 128] [--queries 50]
                            [--data clustered|random]
"""
from __future__ import annotations

import argparse
import itertools
import os
import statistics
import tempfile
import time

import numpy

import dynalite_py

CENTRES = 100  # clusters of the clustered data, as embeddings group by topic


def vectors(kind: str, count: int, dimensions: int, rng: numpy.random.Generator,
            centres: numpy.ndarray) -> numpy.ndarray:
    if kind == "random":
        return rng.standard_normal((count, dimensions)).astype(numpy.float32)
    chosen = centres[rng.integers(0, len(centres), count)]
    return (chosen + rng.standard_normal((count, dimensions))).astype(numpy.float32)


def load(db, data: numpy.ndarray) -> float:
    """Create the table with its vector index and write the vectors; seconds taken."""
    db.call("CreateTable", {
        "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "VectorIndexes": [{"IndexName": "vec", "VectorAttribute": {"AttributeName": "emb"},
                           "Dimensions": data.shape[1], "DistanceFunction": "COSINE",
                           "Projection": {"ProjectionType": "KEYS_ONLY"}}]})
    started = time.perf_counter()
    requests = ({"PutRequest": {"Item": {"pk": {"S": f"i{n}"}, "emb": {"L": [
        {"N": f"{value:.6f}"} for value in row]}}}} for n, row in enumerate(data))
    while batch := list(itertools.islice(requests, 25)):
        db.call("BatchWriteItem", {"RequestItems": {"bench": batch}})
    return time.perf_counter() - started


def search(db, query: numpy.ndarray) -> tuple[list[str], float]:
    """The keys found and the seconds taken."""
    request = {"TableName": "bench", "IndexName": "vec", "TopK": 10,
               "SearchVector": [{"N": f"{value:.6f}"} for value in query]}
    started = time.perf_counter()
    found = db.call("SearchVectors", request)["SearchResults"]
    return [result["Item"]["pk"]["S"] for result in found], time.perf_counter() - started


def run(db, queries: numpy.ndarray) -> tuple[list[list[str]], float, float]:
    """Every query's keys, the p50 (s) and queries/s."""
    answers, latencies = [], []
    for query in queries:
        keys, seconds = search(db, query)
        answers.append(keys)
        latencies.append(seconds)
    return answers, statistics.median(latencies), len(queries) / sum(latencies)


def resident_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--dimensions", type=int, default=128)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--data", choices=("clustered", "random"), default="clustered")
    parser.add_argument("--threshold", type=int, default=10_000)
    args = parser.parse_args()
    rng = numpy.random.default_rng(1)
    centres = rng.standard_normal((CENTRES, args.dimensions)).astype(numpy.float32) * 4
    data = vectors(args.data, args.vectors, args.dimensions, rng, centres)
    queries = vectors(args.data, args.queries, args.dimensions, rng, centres)
    with tempfile.TemporaryDirectory() as directory:
        with dynalite_py.open(directory, table_status_delay=0.0,
                              vector_ann_threshold=args.vectors + 1) as db:
            seconds = load(db, data)
            print(f"loaded {args.vectors} {args.data} vectors of {args.dimensions} dims in "
                  f"{seconds:.1f} s ({args.vectors / seconds:.0f} items/s)")
            truth, exact_p50, exact_qps = run(db, queries)
        print(f"exact:       p50 {exact_p50 * 1000:7.2f} ms  {exact_qps:8.1f} queries/s")
        with dynalite_py.open(directory, vector_ann_threshold=args.threshold) as db:
            before, started = resident_mib(), time.perf_counter()
            search(db, queries[0])  # exact, and starts the graph's build
            db.engine.vector_graphs.wait_for_builds()
            build, grown = time.perf_counter() - started, resident_mib() - before
            found, ann_p50, ann_qps = run(db, queries)
        recall = sum(len(set(a) & set(t)) for a, t in zip(found, truth)) / sum(map(len, truth))
        print(f"approximate: p50 {ann_p50 * 1000:7.2f} ms  {ann_qps:8.1f} queries/s  "
              f"recall@10 {recall:.3f}")
        print(f"graph build (from the first search until ready): {build:.1f} s, "
              f"resident memory +{grown:.0f} MiB")
        with dynalite_py.open(directory, vector_ann_threshold=args.threshold) as db:
            _, loaded = search(db, queries[0])
            assert db.engine.vector_graphs.loads == 1 and db.engine.vector_graphs.builds == 0
        print(f"first search after a restart (loads the saved graph): {loaded * 1000:.0f} ms")
        print(f"ratios: p50 exact/approximate {exact_p50 / ann_p50:.0f}x, queries/s "
              f"approximate/exact {ann_qps / exact_qps:.0f}x, restart load/build "
              f"{loaded / build:.3f}")


if __name__ == "__main__":
    main()

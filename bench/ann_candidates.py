"""The ANN libraries considered for SearchVectors' approximate path, each
alone on the same data: recall@10 against a numpy brute force, p50 and
queries/s of single queries, build time and memory (docs/benchmarks.md).
Needs hnswlib, usearch and faiss-cpu installed (only hnswlib is a
dependency: the `ann` extra).

    python -m bench.ann_candidates [--vectors 100000] [--dimensions 128]
                                   [--queries 200] [--ef 64]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy

LINKS, BUILD_EFFORT, TOP_K, THREADS = 16, 128, 10, 2


def data(kind: str, count: int, queries: int, dimensions: int):
    rng = numpy.random.default_rng(1)
    if kind == "random":
        return (rng.standard_normal((count, dimensions)).astype(numpy.float32),
                rng.standard_normal((queries, dimensions)).astype(numpy.float32))
    centres = rng.standard_normal((100, dimensions)).astype(numpy.float32) * 4

    def around(n: int) -> numpy.ndarray:
        return (centres[rng.integers(0, 100, n)] + rng.standard_normal(
            (n, dimensions))).astype(numpy.float32)
    return around(count), around(queries)


def exact(vectors: numpy.ndarray, queries: numpy.ndarray) -> list[set[int]]:
    unit = vectors / numpy.linalg.norm(vectors, axis=1, keepdims=True)
    return [set(numpy.argsort(-(unit @ (q / numpy.linalg.norm(q))))[:TOP_K].tolist())
            for q in queries]


def hnswlib_index(vectors: numpy.ndarray, ef: int):
    import hnswlib
    index = hnswlib.Index(space="cosine", dim=vectors.shape[1])
    index.init_index(max_elements=len(vectors), M=LINKS, ef_construction=BUILD_EFFORT)
    index.set_num_threads(THREADS)
    index.add_items(vectors, numpy.arange(len(vectors)))
    index.set_ef(ef)
    return (lambda q: index.knn_query(q, TOP_K)[0][0]), index.index_file_size() / 2**20


def usearch_index(vectors: numpy.ndarray, ef: int):
    from usearch.index import Index
    index = Index(ndim=vectors.shape[1], metric="cos", dtype="f32", connectivity=LINKS,
                  expansion_add=BUILD_EFFORT, expansion_search=ef)
    index.add(numpy.arange(len(vectors)), vectors, threads=THREADS)
    return (lambda q: index.search(q, TOP_K).keys), index.memory_usage / 2**20


def faiss_index(vectors: numpy.ndarray, ef: int):
    import faiss
    faiss.omp_set_num_threads(THREADS)
    index = faiss.IndexHNSWFlat(vectors.shape[1], LINKS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = BUILD_EFFORT
    index.add(vectors / numpy.linalg.norm(vectors, axis=1, keepdims=True))
    index.hnsw.efSearch = ef
    return (lambda q: index.search((q / numpy.linalg.norm(q))[None, :], TOP_K)[1][0]), None


LIBRARIES = {"hnswlib": hnswlib_index, "faiss-cpu": faiss_index, "usearch": usearch_index}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--dimensions", type=int, default=128)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ef", type=int, default=64)
    args = parser.parse_args()
    for kind in ("clustered", "random"):
        vectors, queries = data(kind, args.vectors, args.queries, args.dimensions)
        truth = exact(vectors, queries)
        for name, build in LIBRARIES.items():
            started = time.perf_counter()
            search, memory = build(vectors, args.ef)
            built = time.perf_counter() - started
            latencies, hits = [], 0
            for query, expected in zip(queries, truth):
                started = time.perf_counter()
                found = search(query)
                latencies.append(time.perf_counter() - started)
                hits += len(set(int(key) for key in found) & expected)
            size = f"{memory:.0f} MiB" if memory is not None else "n/a"
            print(f"{name:9} {kind:9} recall@10 {hits / (TOP_K * len(queries)):.3f}  "
                  f"p50 {statistics.median(latencies) * 1000:.3f} ms  "
                  f"{len(queries) / sum(latencies):8.0f} queries/s  build {built:.1f} s  {size}")


if __name__ == "__main__":
    main()

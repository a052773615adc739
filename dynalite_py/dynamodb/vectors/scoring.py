"""Exact nearest-neighbour search over a partition's stored vectors.

Every candidate's float32 vector is scored against the query at once
(numpy): COSINE distance 1 - cos (0 identical .. 2 opposite) and EUCLIDEAN
distance rank smallest first, DOT_PRODUCT highest first, as SearchVectors
documents. A vector of zero length has no COSINE direction, so it is never
a COSINE result. Ties keep storage order (stable sort), so a search is
repeatable.
"""
from __future__ import annotations

import numpy

SMALLEST_FIRST = ("COSINE", "EUCLIDEAN")


def scores(distance: str, query: numpy.ndarray, vectors: numpy.ndarray) -> numpy.ndarray:
    """The score of every row of `vectors` (n x d) against `query` (d)."""
    if distance == "DOT_PRODUCT":
        return vectors @ query
    if distance == "EUCLIDEAN":  # differences, not |v|² - 2 v.q + |q|²: exact for equal vectors
        differences = vectors - query
        return numpy.sqrt(numpy.einsum("ij,ij->i", differences, differences))
    dots = vectors @ query
    norms = numpy.sqrt(numpy.einsum("ij,ij->i", vectors, vectors) * (query @ query))
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return numpy.where(norms > 0, 1.0 - dots / norms, numpy.nan)


def top_k(distance: str, query: list[float], vectors: list[bytes], k: int
          ) -> list[tuple[int, float]]:
    """(position in `vectors`, score) of the k best, best first."""
    if not vectors:
        return []
    matrix = numpy.frombuffer(b"".join(vectors), dtype=numpy.float32).reshape(len(vectors), -1)
    found = scores(distance, numpy.asarray(query, dtype=numpy.float32), matrix).astype(
        numpy.float64)
    keep = numpy.flatnonzero(~numpy.isnan(found))
    ranked = found[keep] if distance in SMALLEST_FIRST else -found[keep]
    order = keep[numpy.argsort(ranked, kind="stable")[:k]]
    return [(int(position), float(found[position])) for position in order]

"""Benchmark fixtures and the ratio summary printed after a bench run (medians).

Benchmarks record their ops/s in RESULTS; the summary prints them and the
ratios that the issues set as targets, measured in the same session.
"""
from __future__ import annotations

import itertools
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # support.py

RESULTS: dict[str, float] = {}
SUMMARIES: list[tuple[str, float, tuple | None]] = []  # measurements that are not ops/s
RATIOS = [  # (label, numerator, denominator, target)
    ("HTTP GetItem / bare Starlette endpoint", "http_get_item", "http_bare_starlette", 0.60),
    ("HTTP PutItem / bare Starlette endpoint", "http_put_item", "http_bare_starlette", None),
    ("Embedded PutItem with stream / without", "embedded_put_item_stream", "embedded_put_item", None),
    ("HTTP PutItem with stream / without", "http_put_item_stream", "http_put_item_no_stream",
     0.85),
    # ops/s ratio; >= 0.83 means the large table's latency is within 1.2x
    ("Query of 10 ops/s: 100k-item table / 1k-item table", "embedded_query_10_large_table",
     "embedded_query_10_small_table", 0.83),
    ("Memory backend / LMDB, embedded GetItem", "embedded_get_item_memory",
     "embedded_get_item_lmdb", None),
    ("Memory backend / LMDB, embedded PutItem", "embedded_put_item_memory",
     "embedded_put_item_lmdb", None),
    ("PostgreSQL backend / LMDB, embedded GetItem", "embedded_get_item_postgres",
     "embedded_get_item_lmdb", None),
    ("PostgreSQL backend / LMDB, embedded PutItem", "embedded_put_item_postgres",
     "embedded_put_item_lmdb", None),
    ("GetItem with throttling on / off", "embedded_get_item_throttling_on",
     "embedded_get_item_throttling_off", 0.95),
    ("PutItem with throttling on / off", "embedded_put_item_throttling_on",
     "embedded_put_item_throttling_off", 0.95),
    # ops/s ratios: UpdateItem calls per parse; a large number means parsing is negligible
    ("Uncached parses / embedded UpdateItem (ops/s)", "update_and_condition_parse_uncached",
     "embedded_update_item", None),
    ("Cached parses / embedded UpdateItem (ops/s)", "update_and_condition_parse_cached",
     "embedded_update_item", None),
    ("PartiQL SELECT by key / GetItem, embedded", "embedded_execute_statement_select",
     "embedded_get_item_projected", None),
    ("PartiQL UPDATE / conditional UpdateItem, embedded", "embedded_execute_statement_update",
     "embedded_update_item_conditional", None),
    ("PartiQL parse + plan (uncached) / GetItem (ops/s)", "partiql_parse_and_plan_uncached",
     "embedded_get_item_projected", None),
]
# issue 9: embedded GetItem and PutItem (default durability); fsync group commit
TARGETS = {"embedded_get_item": 100_000, "embedded_put_item": 30_000,
           "embedded_put_item_16_threads_fsync": 1_000}


@dataclass
class Side:
    """One side of an interleaved comparison: `enter()` before each of its
    blocks, then `call(*next_args())` timed call by call, the arguments
    built outside the timing. Its median goes to RESULTS[name] as ops/s."""
    name: str
    call: Callable
    next_args: Callable[[], tuple]
    enter: Callable[[], None] = lambda: None


def measure_interleaved(benchmark, sides: list[Side], blocks: int = 40,
                        block_calls: int = 250) -> None:
    """Time the sides in alternating blocks of one run (the order rotating),
    so that the host's drift, which moves two separate runs by more than a
    few percent, falls on every side alike."""
    timings: dict[str, list[float]] = {side.name: [] for side in sides}
    orders = itertools.cycle([sides, sides[::-1]])

    def blocks_once() -> None:
        for side in next(orders):
            side.enter()
            spent, call, next_args = timings[side.name], side.call, side.next_args
            for _ in range(block_calls):
                args = next_args()
                start = time.perf_counter()
                call(*args)
                spent.append(time.perf_counter() - start)

    benchmark.pedantic(blocks_once, rounds=blocks)
    for name, spent in timings.items():
        RESULTS[name] = 1 / statistics.median(spent)


def host_speed(seconds: float = 0.5) -> float:
    """Calls/s of a fixed pure-Python loop: how fast the host runs Python
    right now. On a shared host it moves by 1.5x from one second to the
    next (docs/benchmarks.md, session 7), so the summary prints it at the
    start and the end of a run, to read the absolute numbers by."""
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        sum(range(1000))
        calls += 1
    return calls / (time.perf_counter() - start)


HOST_SPEED: list[float] = []


def pytest_sessionstart(session):
    HOST_SPEED.append(host_speed())


@pytest.fixture
def record():
    """Record a benchmark's ops/s under a name: record(name, benchmark, ops_per_call)."""
    def save(name: str, benchmark, ops_per_call: int = 1) -> None:
        # the median resists the noise of other work on a 2-core machine
        RESULTS[name] = ops_per_call / benchmark.stats.stats.median
    return save


@pytest.fixture
def record_summary():
    """Record a measured figure (latency, rate) with an optional (op, target)."""
    def save(label: str, value: float, target: tuple | None = None) -> None:
        SUMMARIES.append((label, value, target))
    return save


def pytest_terminal_summary(terminalreporter):
    for label, value, target in SUMMARIES:
        note = ""
        if target:
            op, bound = target
            met = value <= bound if op == "<=" else value >= bound
            note = f"  target {op} {bound}: {'met' if met else 'NOT met'}"
        terminalreporter.write_line(f"  {label:50s} {value:10,.1f}{note}")
    if not RESULTS:
        return
    write = terminalreporter.write_line
    write("")
    write("dynalite-py benchmark summary (ops/s, same session)")
    HOST_SPEED.append(host_speed())
    write(f"  host speed (bench/conftest.py host_speed, calls/s): {HOST_SPEED[0]:,.0f} at the "
          f"start, {HOST_SPEED[-1]:,.0f} at the end")
    for name, ops in sorted(RESULTS.items()):
        target = TARGETS.get(name)
        note = f"  target >= {target:,}: {'met' if ops >= target else 'NOT met'}" if target else ""
        write(f"  {name:32s} {ops:12,.0f}{note}")
    for label, top, bottom, target in RATIOS:
        if top in RESULTS and bottom in RESULTS:
            ratio = RESULTS[top] / RESULTS[bottom]
            note = f"  target >= {target:.2f}: {'met' if ratio >= target else 'NOT met'}" if target else ""
            write(f"  {label:45s} {ratio:6.2f}{note}")

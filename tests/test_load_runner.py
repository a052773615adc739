"""The HTTP load runner (bench/load.py) against a real server, briefly.

Small tables and ~1 s per operation keep it to a few seconds; it checks the
runner's own behaviour (rates, percentiles, error counting, operations the
server rejects), not the server's speed.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from support import start_server

sys.path.append(str(Path(__file__).resolve().parent.parent))  # the bench package

from bench.load import (  # noqa: E402
    OPERATIONS,
    Settings,
    bucket,
    bucket_micros,
    percentile_ms,
    run_load,
)

pytestmark = pytest.mark.any_store("the load runner is the same on any store")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    process, url = start_server(str(tmp_path_factory.mktemp("load-runner")))
    yield url
    process.terminate()
    process.wait(10)


def test_load_runner_reports_rates_latencies_and_unsupported_operations(endpoint):
    never_supported = replace(OPERATIONS["get"], key="nope", name="NoSuchOperation")
    operations = [OPERATIONS["get"], OPERATIONS["put"], OPERATIONS["query"], never_supported]
    settings = Settings(connections=4, seconds=1.0, warmup=0.2, items=300, partitions=30)

    report = run_load(endpoint, operations, settings, log=None)

    for name in ("GetItem", "PutItem"):
        result = report.result(name)
        assert result.status == "ok", result
        assert result.requests_per_s > 0
        assert 0 < result.p50_ms <= result.p99_ms
        assert result.errors == 0, result.detail
    # Query arrived after the runner: either measured cleanly or reported, never a crash
    query = report.result("Query")
    assert query.status in ("ok", "unsupported"), query
    assert query.errors == 0
    assert report.result("NoSuchOperation").status == "unsupported"
    assert "UnknownOperationException" in report.result("NoSuchOperation").detail


def test_histogram_buckets_are_within_two_percent():
    for micros in (1, 100, 127, 128, 999, 12_345, 4_000_000):
        assert abs(bucket_micros(bucket(micros)) - micros) <= 0.02 * micros + 0.5
    histogram: dict[int, int] = {}
    for micros in range(1000, 101_000, 1000):  # 1 ms .. 100 ms, one each
        histogram[bucket(micros)] = histogram.get(bucket(micros), 0) + 1
    assert percentile_ms(histogram, 0.50) == pytest.approx(50, rel=0.02)
    assert percentile_ms(histogram, 0.99) == pytest.approx(99, rel=0.02)

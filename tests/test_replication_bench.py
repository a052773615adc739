"""A bounded sample of `python -m bench.replication` (the replication write
cost and lag bench), so CI checks it runs and its numbers are sane: every
item written arrives in the other region, lags are finite and ordered,
and every table's PutItem cost is measured. (Which costs more is the
bench's to print, not a test's: 200 calls on a loaded CI machine put even
a STRONG table's below a plain one's once.)"""
from __future__ import annotations

import math

import pytest

from bench.replication import main


@pytest.mark.parametrize("lag", [0.0, 0.2])
def test_the_replication_bench_measures_every_item(lag, capsys):
    result = main(["--calls", "200", "--rounds", "1", "--rates", "200,800",
                   "--seconds", "0.5", "--lag", str(lag), "--backend", "memory"])
    costs = result["costs"]
    assert set(costs) == {"plain", "streamed", "eventual", "strong"}
    assert all(0 < cost < 1 for cost in costs.values())
    for run in result["runs"]:
        assert run["arrived"] == run["items"] > 0  # nothing lost
        assert math.isfinite(run["p99"]) and 0 <= run["p50"] <= run["p99"] <= run["max"]
        assert run["p50"] >= lag * 0.9  # the simulated distance shows
        assert run["throughput"] > 0
    printed = capsys.readouterr().out
    assert "global STRONG, 3 regions" in printed and "ratio" in printed
    assert f"--replication-lag {lag}" in printed

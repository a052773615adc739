"""A bounded sample of the crash trials (bench/crash.py): SIGKILL during
mixed conditional updates, deletes and transactions with a GSI, a stream
and a trigger; every acknowledged write, index entry, stream record and
trigger delivery must survive. `python -m bench.crash --trials 20` is the
nightly-size run."""
from __future__ import annotations

from bench.crash import run


def test_crash_trials():
    results = run(trials=2, seed=7)
    assert all(result["writes acknowledged"] > 0 for result in results)

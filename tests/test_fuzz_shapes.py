"""The structured fuzzer (bench/fuzz.py) on a bounded sample, against a real
server: requests built from botocore's models for every DynamoDB, DynamoDB
Streams and Lambda operation, mutated, plus raw HTTP mutations. No answer
may be a 5xx (but 503/413), a reset, a traceback or outside AWS's error
envelope, and the canary data must be intact.

The long mode is `python -m bench.fuzz --requests 50000 --seed N`.
"""
from __future__ import annotations

import shutil
import tempfile

import pytest

from bench.fuzz import KNOWN_SERVER_FINDINGS, Fuzzer, rss_kib, start_server, summary

REQUESTS = 3000
SEED = 31


@pytest.fixture(scope="module")
def server():
    data_dir = tempfile.mkdtemp(prefix="dynalite-fuzz-")
    process, url = start_server(data_dir)
    try:
        yield process, url
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)


def test_fuzzed_requests_get_aws_answers(server):
    process, url = server
    fuzzer = Fuzzer(url, SEED)
    fuzzer.set_up()
    before = rss_kib(process.pid)
    fuzzer.run(REQUESTS)
    after = rss_kib(process.pid)
    canary = fuzzer.canary_problems()
    report = summary(fuzzer, 0.0, (before, after), canary)
    assert process.poll() is None, report
    assert not canary, report
    assert sum(fuzzer.per_operation.values()) == REQUESTS
    # every served operation was exercised
    served = {f"{service}.{name}" for service, name, _ in fuzzer.served}
    assert served <= set(fuzzer.per_operation), served - set(fuzzer.per_operation)
    engine = [failure.describe() for failure in fuzzer.failures if failure.layer == "engine"]
    assert not engine, "\n".join(engine)
    # the HTTP layer's own 4xx answers that are not AWS's envelope are known
    # findings of the server's (KNOWN_SERVER_FINDINGS); nothing else may fail
    unknown = [failure.describe() for failure in fuzzer.failures if failure.known is None]
    assert not unknown, "\n".join(unknown)
    assert set(failure.known for failure in fuzzer.failures) <= set(KNOWN_SERVER_FINDINGS)

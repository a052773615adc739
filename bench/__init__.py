"""Benchmarks: pytest-benchmark suites, the HTTP load runner (bench.load) and
the peer comparison (bench.peers)."""

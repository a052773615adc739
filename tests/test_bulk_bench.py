"""A bounded sample of `python -m bench.bulk_puts` (loading a table from
S3: StartBulkPutItems and ImportTable against BatchWriteItem), on the
session's moto server, so CI checks it runs and measures every way."""
from __future__ import annotations

from bench.bulk_puts import main


def test_the_bulk_bench_loads_every_way(s3_endpoint, capsys):
    rates = main(["--items", "300", "--objects", "2", "--rounds", "1", "--backend", "memory",
                  "--s3-endpoint", s3_endpoint])
    assert set(rates) == {"BatchWriteItem", "StartBulkPutItems",
                          "StartBulkPutItems, conditional", "ImportTable"}
    assert all(rate > 0 for rate in rates.values())
    printed = capsys.readouterr().out
    assert "300 items" in printed and printed.count("ratio") == 4

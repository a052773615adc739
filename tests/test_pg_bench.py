"""The PostgreSQL rows of bench/peers.py (dynalite-py on PostgreSQL, one
server and two sharing the database), briefly: each row's server starts on
a schema of its own and answers the load runner. Not the speed: the bench
itself measures that (docs/deployment.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import support

sys.path.append(str(Path(__file__).resolve().parent.parent))  # the bench package

from bench import peers  # noqa: E402
from bench.load import OPERATIONS, Settings, measure_startup, run_load, stop_process  # noqa: E402

pytestmark = pytest.mark.postgres_only("the bench's PostgreSQL rows")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_postgres_row_starts_its_servers_on_one_database_and_answers(tmp_path, monkeypatch,
                                                                       workers):
    monkeypatch.setattr(peers, "POSTGRES", peers.PostgresDatabase())
    peers.POSTGRES.url = support.POSTGRES.url
    label, launch_on = peers.prepare_postgres(workers)(tmp_path, tmp_path)
    assert f"on PostgreSQL {peers.POSTGRES.server_version()}" in label
    assert ("2 servers" in label.split(" (")[0]) == (workers == 2)
    port = support.free_port()
    launch = launch_on(port)
    assert launch.argv[-4] == "--store" and "search_path" in launch.argv[-3]
    assert launch.argv[-2:] == ["--workers", str(workers)]
    _, process = measure_startup(launch.argv, f"http://127.0.0.1:{port}", env=launch.env)
    try:
        if workers == 2:
            support.wait_for(lambda: len(support.secondaries_of(process.pid)) == 1)
        report = run_load(f"http://127.0.0.1:{port}", [OPERATIONS["get"], OPERATIONS["put"]],
                          Settings(connections=4, seconds=0.5, warmup=0.1, items=100,
                                   partitions=10), log=None)
        for name in ("GetItem", "PutItem"):
            assert report.result(name).status == "ok", report.result(name)
            assert report.result(name).errors == 0
    finally:
        stop_process(process)
    assert launch_on(port).argv[-3] != launch.argv[-3]  # every launch a fresh schema

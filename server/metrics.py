"""GET /metrics, and metrics shared by worker processes.

The engine keeps the numbers (dynalite_py/metrics.py); this answers a
scrape with them in Prometheus's text format. With `serve --workers N` the
primary turns on prometheus-client's multiprocess mode before any engine
exists: each process writes its numbers to files in one directory, and the
worker answering a scrape sums them all, so one scrape target shows the
whole server whichever worker the kernel hands the connection to.
"""
from __future__ import annotations

import os
import shutil
import tempfile

from prometheus_client import CONTENT_TYPE_LATEST, values
from prometheus_client.multiprocess import mark_process_dead
from starlette.responses import Response

from dynalite_py.engine import Engine
from dynalite_py.metrics import multiprocess_directory

DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def metrics_response(engine: Engine, cors: dict[str, str]) -> Response:
    return Response(engine.metrics.exposition(), 200,
                    {**cors, "Content-Type": CONTENT_TYPE_LATEST})


def share_between_workers() -> str | None:
    """Turn on multiprocess mode in this process and, through the
    environment, in the secondaries it starts; return the directory made for
    it (None when the operator set PROMETHEUS_MULTIPROC_DIR: theirs is used,
    and kept). Must run before the engine is made: metrics pick their
    storage when they are created."""
    made = None
    if multiprocess_directory() is None:
        made = tempfile.mkdtemp(prefix="dynalite-metrics-")
        os.environ[DIRECTORY_VARIABLE] = made
    values.ValueClass = values.get_value_class()  # chosen at import, before the variable
    return made


def remove_shared(directory: str | None) -> None:
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


def forget_worker(pid: int) -> None:
    """A worker died: its live gauges (ConcurrentExecutions, IteratorAge)
    no longer count; its counters still do."""
    if multiprocess_directory() is not None:
        mark_process_dead(pid)

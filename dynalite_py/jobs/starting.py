"""Starting a job on a thread of its own: `start_job` answers once it has
begun (the request waits until the job has recorded what it answers, a
backup's or export's record, not until it is done); `start_tracked` runs
a resumable job (an import, a bulk put, a restore, an index backfill) at
most once per engine, counted among the threads Engine.close waits for."""
from __future__ import annotations

import threading
from typing import Callable


def start_job(name: str, job: Callable[..., None], *args) -> dict:
    """Run `job(*args, started, outcome)` on a daemon thread; once it sets
    `started`, return outcome["record"] or raise outcome["error"]."""
    started = threading.Event()
    outcome: dict = {}
    threading.Thread(target=job, args=(*args, started, outcome), name=name, daemon=True).start()
    started.wait()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["record"]


def track(engine, key: tuple) -> None:
    """Count this thread among the engine's job threads (Engine.close waits for them)."""
    with engine.backfill_lock:
        engine.backfills[key] = threading.current_thread()


def untrack(engine, key: tuple) -> None:
    with engine.backfill_lock:
        engine.backfills.pop(key, None)


def start_tracked(engine, key: tuple, name: str, job: Callable[..., None], *args) -> None:
    """Run `job(*args)` on a daemon thread under `key`, unless this engine
    already runs one; the key is dropped when the job returns."""
    def run() -> None:
        try:
            job(*args)
        finally:
            untrack(engine, key)
    with engine.backfill_lock:
        if key in engine.backfills:
            return
        thread = threading.Thread(target=run, name=name, daemon=True)
        engine.backfills[key] = thread
    thread.start()

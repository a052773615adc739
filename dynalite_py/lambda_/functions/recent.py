"""The last invocations of each function, for the admin page
(server/admin/): when, how long, whether it failed, and the tail of its
log as CloudWatch Logs would show it. Kept in the store, so every server
and worker process on it shows the same history, a few per function."""
from __future__ import annotations

import time

from .logs import LOG_TAIL_BYTES, invocation_log
from .runtime import InvocationResult

KEPT_PER_FUNCTION = 20


def remember(engine, name: str, result: InvocationResult, version: str,
             memory_size: int) -> None:
    """Keep one invocation, dropping the function's oldest beyond the last
    KEPT_PER_FUNCTION."""
    started = time.time() - result.duration
    log = invocation_log(result, version, memory_size)
    record = {"started": started, "request_id": result.request_id, "ok": result.ok,
              "error": None if result.ok else failure_text(result.payload),
              "duration_ms": result.duration * 1000.0,
              "log": log.encode()[-LOG_TAIL_BYTES:].decode(errors="replace")}
    engine.store.write(lambda ctx: engine.repos.invocations.add(
        ctx.txn, name, int(started * 1e9), result.request_id, record, KEPT_PER_FUNCTION))


def failure_text(payload: object) -> str:
    """`ErrorType: message` of Lambda's error object."""
    if isinstance(payload, dict):
        return f"{payload.get('errorType', 'Error')}: {payload.get('errorMessage', '')}"
    return str(payload)


def recent(engine, name: str) -> list[dict]:
    """A function's kept invocations, newest first."""
    with engine.store.read() as txn:
        return engine.repos.invocations.of(txn, name)[::-1]

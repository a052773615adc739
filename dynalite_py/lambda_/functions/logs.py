"""The log lines Lambda writes around each invocation, as Invoke's
LogType=Tail returns them (the last 4 KB, base64)."""
from __future__ import annotations

import base64
import math
from datetime import datetime, timezone

from .runtime import InvocationResult

LOG_TAIL_BYTES = 4096


def invocation_log(result: InvocationResult, version: str, memory_size: int) -> str:
    """START, the function's own output, END and REPORT (with Init Duration
    after a cold start, Status: timeout after a timeout), as CloudWatch Logs
    shows one invocation."""
    request_id = result.request_id
    duration_ms = result.duration * 1000
    used = min(result.max_memory_used, memory_size)  # a function never holds more
    report = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
              f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\t"
              f"Memory Size: {memory_size} MB\tMax Memory Used: {used} MB\t")
    if result.init_duration is not None:
        report += f"Init Duration: {result.init_duration * 1000:.2f} ms\t"
    output = result.logs if not result.logs or result.logs.endswith("\n") else result.logs + "\n"
    if _timed_out(result):
        output += f"{_timestamp()} {request_id} {result.payload['errorMessage']}\n"
        report += "Status: timeout\t"
    return (f"START RequestId: {request_id} Version: {version}\n{output}"
            f"END RequestId: {request_id}\n{report}\n")


def _timed_out(result: InvocationResult) -> bool:
    return isinstance(result.payload, dict) and \
        result.payload.get("errorType") == "Sandbox.Timedout"


def _timestamp() -> str:
    """CloudWatch's timestamp of a runtime line: 2024-01-01T00:00:00.000Z."""
    moment = datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def log_result(result: InvocationResult, version: str, memory_size: int) -> str:
    """Invoke's LogResult: the invocation's log, its last 4 KB, base64."""
    tail = invocation_log(result, version, memory_size).encode()[-LOG_TAIL_BYTES:]
    return base64.b64encode(tail).decode()

"""The log lines Lambda writes around each invocation, as Invoke's
LogType=Tail returns them (the last 4 KB, base64)."""
from __future__ import annotations

import base64
import math

from .runtime import InvocationResult

LOG_TAIL_BYTES = 4096


def invocation_log(result: InvocationResult, version: str, memory_size: int) -> str:
    """START, the function's own output, END and REPORT (with Init Duration
    after a cold start), as CloudWatch Logs shows one invocation."""
    request_id = result.request_id
    duration_ms = result.duration * 1000
    report = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
              f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\t"
              f"Memory Size: {memory_size} MB\tMax Memory Used: {result.max_memory_used} MB\t")
    if result.init_duration is not None:
        report += f"Init Duration: {result.init_duration * 1000:.2f} ms\t"
    output = result.logs if not result.logs or result.logs.endswith("\n") else result.logs + "\n"
    return (f"START RequestId: {request_id} Version: {version}\n{output}"
            f"END RequestId: {request_id}\n{report}\n")


def log_result(result: InvocationResult, version: str, memory_size: int) -> str:
    """Invoke's LogResult: the invocation's log, its last 4 KB, base64."""
    tail = invocation_log(result, version, memory_size).encode()[-LOG_TAIL_BYTES:]
    return base64.b64encode(tail).decode()

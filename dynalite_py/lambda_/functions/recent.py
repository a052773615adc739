"""The last invocations of each function this process ran, for the admin
page (server/admin/): when, how long, whether it failed, and its log as
CloudWatch Logs would show it. Kept in memory, a few per function: a
history, not a store (each server process sees its own)."""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

from .logs import invocation_log
from .runtime import InvocationResult

KEPT_PER_FUNCTION = 20


@dataclass(frozen=True)
class Invocation:
    started: float      # epoch seconds
    request_id: str
    ok: bool
    duration_ms: float
    log: str            # START ... END, REPORT


class RecentInvocations:
    """A bounded history per function name; safe across invoking threads."""

    def __init__(self, kept: int = KEPT_PER_FUNCTION) -> None:
        self.kept = kept
        self._by_function: dict[str, deque[Invocation]] = {}
        self._lock = threading.Lock()

    def record(self, name: str, result: InvocationResult, version: str,
               memory_size: int) -> None:
        entry = Invocation(time.time() - result.duration, result.request_id, result.ok,
                           result.duration * 1000.0,
                           invocation_log(result, version, memory_size))
        with self._lock:
            history = self._by_function.get(name)
            if history is None:
                history = self._by_function[name] = deque(maxlen=self.kept)
            history.append(entry)

    def of(self, name: str) -> list[Invocation]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._by_function.get(name, ())))

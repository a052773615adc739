"""The leases repository: the lease a background job runs under
(Store.acquire_lease), held by one owner at a time across every process and
server sharing the store, renewed once half its time has passed, taken over
by another owner when its holder gives it up or stops renewing it."""
from __future__ import annotations

import os
import socket
import time
import uuid

from .interface import Store


def new_owner() -> str:
    """An owner name no other job runner has, on this host or another."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """One job's lease, as one owner sees it. Wall-clock time (an engine's
    clock is the one tests move)."""

    def __init__(self, store: Store, name: str, owner: str, duration: float) -> None:
        self.store = store
        self.name = name
        self.owner = owner
        self.duration = duration
        self._held_until = 0.0  # 0: not held

    def hold(self) -> bool:
        """Whether the owner holds the lease now, taking or renewing it when
        due; False while another owner holds it (checked without a write)."""
        now = time.time()
        if now < self._held_until - self.duration / 2:
            return True
        holder = self.store.lease_holder(self.name, now)
        if holder is None or holder == self.owner:
            if self.store.acquire_lease(self.name, self.owner, self.duration, now):
                self._held_until = now + self.duration
                return True
        self._held_until = 0.0
        return False

    def release(self) -> None:
        """Give the lease up at once, if held, so another owner takes over."""
        if self._held_until:
            self._held_until = 0.0
            self.store.release_lease(self.name, self.owner)

"""The leases repository: the lease a background job runs under
(Store.acquire_lease), held by one owner at a time across every process and
server sharing the store, renewed once half its time has passed, taken over
by another owner when its holder gives it up or stops renewing it.

An owner is "host:pid:nonce". A holder on this host whose process is gone
(killed, crashed) is taken over at once rather than after its lease
expires, so a restarted server resumes its jobs without waiting.
"""
from __future__ import annotations

import os
import socket
import time
import uuid

from .interface import Store


def new_owner() -> str:
    """An owner name no other job runner has, on this host or another."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def is_dead_local(owner: str) -> bool:
    """Whether `owner` was a process of this host that no longer runs (an
    owner elsewhere, or of this very process, is never judged dead)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed process its parent has not reaped yet (Linux's /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False


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
        dead = holder if holder not in (None, self.owner) and is_dead_local(holder) else None
        if holder in (None, self.owner) or dead is not None:
            if self.store.acquire_lease(self.name, self.owner, self.duration, now, dead):
                self._held_until = now + self.duration
                return True
        self._held_until = 0.0
        return False

    def release(self) -> None:
        """Give the lease up at once, if held, so another owner takes over."""
        if self._held_until:
            self._held_until = 0.0
            self.store.release_lease(self.name, self.owner)

"""The leases repository: the lease a background job runs under
(Store.acquire_lease), held by one owner at a time across every process and
server sharing the store, renewed once half its time has passed, taken over
by another owner when its holder gives it up or stops renewing it.

An owner is "host:pid:space:start:nonce": the process's pid in its pid
namespace `space` (the kernel's boot id and the namespace's inode, so two
containers on one kernel, or two hosts, never share one), the clock tick
the process started at (a later process given the same pid has another),
and a nonce per job runner. Host names and pids alone collide: containers
often share a host name and every container's first process is pid 1.

A holder in this pid namespace whose process is gone (killed, crashed; or
its pid now another process's) is taken over at once rather than after its
lease expires, so a restarted server resumes its jobs without waiting. A
holder anywhere else is only ever taken over once its lease expires.
"""
from __future__ import annotations

import functools
import os
import socket
import time
import uuid

from .interface import Store


def new_owner() -> str:
    """An owner name no other job runner has, in this process or another,
    on this host or another (an empty space or start: the system does not
    say, and no owner is then judged dead before its lease expires)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_pid_namespace()}:{_start_tick(pid)}:" \
           f"{uuid.uuid4().hex[:8]}"


@functools.lru_cache(maxsize=None)
def _pid_namespace() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot:
            boot_id = boot.read().strip()
        namespace = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return ""
    return f"{boot_id.replace('-', '')[:16]}.{namespace.removeprefix('pid:[').removesuffix(']')}"


def _stat_fields(pid: int) -> list[bytes] | None:
    """/proc/<pid>/stat's fields after the command name (field 3 on)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _start_tick(pid: int) -> str:
    fields = _stat_fields(pid)
    return fields[19].decode() if fields is not None and len(fields) > 19 else ""


def is_dead_local(owner: str) -> bool:
    """Whether `owner` was a process of this pid namespace that no longer
    runs: its pid is free, a zombie, or another process's (a different start
    tick). An owner elsewhere, of an unknown form, or of this very process is
    never judged dead."""
    parts = owner.split(":")
    if len(parts) != 5 or not parts[1].isdigit():
        return False
    _host, pid_text, space, started, _nonce = parts
    pid = int(pid_text)
    if not (space and started) or space != _pid_namespace() or pid == os.getpid():
        return False
    fields = _stat_fields(pid)
    if fields is None:
        return _is_gone(pid)
    return fields[0] == b"Z" or (len(fields) > 19 and fields[19].decode() != started)


def _is_gone(pid: int) -> bool:
    """No process has `pid` (its /proc entry could not be read)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
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

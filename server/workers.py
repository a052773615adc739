"""Worker processes: one data directory served by several processes.

Python runs one request at a time per process, and on loopback a good part
of each request's cost is the kernel's (reads, writes, the TCP stack), so a
second process uses the cores one process leaves idle (docs/benchmarks.md).

The process started by `dynalite-py serve` is the primary: it serves and
starts `workers - 1` secondaries, each the same `dynalite-py serve` command
with `--secondary`. Every process opens the LMDB directory itself (LMDB's
write lock serialises commits across processes; catalog caches revalidate
per snapshot), listens on the same port with SO_REUSEPORT, so the kernel
spreads new connections over them, and runs the background jobs, each
under a lease in the store, so each job runs in one process at a time
(sweeper.py, bridge.py, index_builds.py). Wake-ups for the trigger bridge
go through the primary: a secondary tells it about each commit that
appended stream records through a pipe, and the primary passes every such
wake-up, and its own, to each secondary through a pipe of its own, so a
mapping's consumer sees every worker's writes at once, whichever worker it
runs in. The primary hosts every Lambda execution environment and the
secondaries invoke through it (lambda_/functions/shared_environments.py: a
Unix socket named by --environments, its key in ENVIRONMENTS_KEY), so warm
environments are the function's, not a process's. Secondaries die with the
primary, killed or not (PR_SET_PDEATHSIG), and a secondary that dies on its
own is restarted.
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Callable

from .metrics import forget_worker

log = logging.getLogger("dynalite_py.server")

PR_SET_PDEATHSIG = 1  # linux/prctl.h
RESTART_DELAY_S = 1.0


def default_workers() -> int:
    """One process per core this process may run on, at most 4; one where the
    kernel cannot spread connections over several listening sockets."""
    if not sys.platform.startswith("linux") or not hasattr(socket, "SO_REUSEPORT"):
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0))))


def shared_listener(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port) that the other workers can share.

    SO_REUSEPORT would let this bind beside an unrelated server already on the
    port, so the port is first bound without it: that fails if it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    return listener(host, port)


def listener(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port) with SO_REUSEPORT."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(False)
    return sock


class Secondaries:
    """The primary's secondaries: started, restarted when they die, stopped."""

    def __init__(self, argv: list[str], count: int, env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self.count = count
        self.env = {**os.environ, **(env or {})}  # the secondaries' environment
        self.read_fd, self.write_fd = os.pipe()  # from every secondary to the primary
        self.processes: list[subprocess.Popen] = []
        # the write end of each secondary's own wake-up pipe (a lock: restarts swap them)
        self._wake_fds: list[int | None] = [None] * count
        self._wake_lock = threading.Lock()
        self.stopping = threading.Event()

    def start(self, on_stream_commit: Callable[[], None]) -> "Secondaries":
        self.processes = [self._spawn(n) for n in range(self.count)]

        def relayed() -> None:  # a secondary's stream commit: wake every bridge
            on_stream_commit()
            self.wake_all()
        listen_for_wakes(self.read_fd, relayed)
        threading.Thread(target=self._watch, daemon=True, name="dynalite-workers").start()
        return self

    def _spawn(self, n: int) -> subprocess.Popen:
        woken_fd, wake_fd = os.pipe()
        os.set_blocking(wake_fd, False)
        command = [sys.executable, "-m", "server.cli", *self.argv, "--secondary",
                   "--wake-fd", str(self.write_fd), "--woken-fd", str(woken_fd),
                   "--primary-pid", str(os.getpid())]
        process = subprocess.Popen(command, pass_fds=(self.write_fd, woken_fd),
                                   stdin=subprocess.DEVNULL, env=self.env)
        os.close(woken_fd)
        with self._wake_lock:
            previous, self._wake_fds[n] = self._wake_fds[n], wake_fd
        if previous is not None:
            os.close(previous)
        return process

    def wake_all(self) -> None:
        """Tell every secondary's bridge about a stream commit (an
        after-commit listener of the primary's, and the relay's)."""
        with self._wake_lock:
            for fd in self._wake_fds:
                if fd is not None:
                    _poke(fd)

    def _watch(self) -> None:
        # PR_SET_PDEATHSIG follows the thread that started a child: secondaries
        # restarted here die when this thread ends, which it does only at stop
        while not self.stopping.wait(RESTART_DELAY_S):
            for n, process in enumerate(self.processes):
                if process.poll() is not None and not self.stopping.is_set():
                    log.warning("worker process %d exited with %s; restarting it",
                                process.pid, process.returncode)
                    forget_worker(process.pid)
                    self.processes[n] = self._spawn(n)

    def stop(self, grace_s: float = 5.0) -> None:
        self.stopping.set()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for process in self.processes:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


ENVIRONMENTS_KEY = "DYNALITE_ENVIRONMENTS_KEY"  # hex; a secondary takes it out of its environment


def share_environments(engine) -> tuple[list[str], dict[str, str]]:
    """Host the engine's execution environments for the secondaries: the
    arguments and environment variables that tell them where."""
    address, key = engine.functions.host_environments()
    return ["--environments", address], {ENVIRONMENTS_KEY: key.hex()}


def take_environments_key() -> bytes | None:
    """The key to the primary's execution environments, taken out of this
    process's environment (which function environments would inherit)."""
    key = os.environ.pop(ENVIRONMENTS_KEY, None)
    return bytes.fromhex(key) if key else None


def die_with(primary_pid: int) -> None:
    """Make this secondary die when the primary does, however it ends."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: watch for the parent instead
        def watch() -> None:
            while os.getppid() == primary_pid:
                time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGKILL)
        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != primary_pid:  # it died before the signal was set up
        os.kill(os.getpid(), signal.SIGKILL)


def wake_primary(write_fd: int) -> Callable[[], None]:
    """An after-commit listener telling the primary about a stream commit."""
    os.set_blocking(write_fd, False)
    return lambda: _poke(write_fd)


def _poke(write_fd: int) -> None:
    """One byte down a wake-up pipe; a full pipe means a wake is already
    pending and a closed one a process gone, so the byte can be dropped."""
    try:
        os.write(write_fd, b"c")
    except (BlockingIOError, BrokenPipeError):
        pass


def listen_for_wakes(read_fd: int, on_wake: Callable[[], None]) -> None:
    """Call `on_wake` for the wake-ups arriving on a pipe (many bytes, one
    call), on a daemon thread, until the pipe closes."""
    def listen() -> None:
        while os.read(read_fd, 65536):
            on_wake()
    threading.Thread(target=listen, daemon=True, name="dynalite-worker-wakes").start()

"""Execution environments shared by the worker processes of one server
(`serve --workers N`), so a function's warm environments and their module
state are the function's, not each process's.

One process (the server's primary) hosts every environment: its
`EnvironmentHost` takes invocations on a local socket (a Unix socket only
this user may open, and an authentication key) and runs them in its own
Runtime, which starts a new cold environment when the function's are all
busy. The other processes invoke through an `EnvironmentClient`: a call
sends (function record, qualifier, event) over a connection of a small
pool and waits for the result; the host makes the call's spec itself, with
its own code directory (each process may unpack code apart). Reserved
concurrency is counted before this, in the store, wherever the call
arrives (concurrency.py). Embedded callables run where they were
registered. Servers on one database keep environments of their own.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from multiprocessing.connection import Client, Connection, Listener
from typing import Callable

from .runtime import InvocationResult, error_object

log = logging.getLogger("dynalite_py.lambda")


def new_address() -> str:
    """A socket path in a new directory only this user may enter."""
    return os.path.join(tempfile.mkdtemp(prefix="dynalite-environments-"), "host")


class EnvironmentHost:
    """Runs the invocations other processes send, with `run(record,
    qualifier, event)`."""

    def __init__(self, run: Callable[[dict, str | None, object], InvocationResult],
                 address: str, authkey: bytes) -> None:
        self.run = run
        self.address = address
        self._listener = Listener(address, family="AF_UNIX", authkey=authkey)
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True,
                         name="dynalite-environment-host").start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                connection = self._listener.accept()
            except OSError:  # closed
                return
            except Exception:  # a peer that failed authentication: keep serving
                log.warning("a connection to the environment host was refused")
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True,
                             name="dynalite-environment-call").start()

    def _serve(self, connection: Connection) -> None:
        """One process's calls on one connection, one after another."""
        with connection:
            while True:
                try:
                    record, qualifier, event = connection.recv()
                except (EOFError, OSError):
                    return
                connection.send(self.run(record, qualifier, event))

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        shutil.rmtree(os.path.dirname(self.address), ignore_errors=True)


class EnvironmentClient:
    """Invocations run in the host process's environments."""

    def __init__(self, address: str, authkey: bytes) -> None:
        self.address = address
        self.authkey = authkey
        self._idle: list[Connection] = []
        self._lock = threading.Lock()

    def invoke(self, record: dict, qualifier: str | None,
               event: object) -> InvocationResult | None:
        """The call's result; None if the host cannot be reached (its server
        is stopping), for the caller to run the call itself."""
        try:
            connection = self._take()
        except OSError:
            return None
        started = time.time()
        try:
            connection.send((record, qualifier, event))
            result = connection.recv()
        except (EOFError, OSError):  # the host died mid-call: the call may have run
            connection.close()
            request_id = str(uuid.uuid4())
            return InvocationResult(False, error_object(
                "Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited",
                request_id), request_id, time.time() - started, "", "Unhandled")
        with self._lock:
            self._idle.append(connection)
        return result

    def _take(self) -> Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return Client(self.address, family="AF_UNIX", authkey=self.authkey)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

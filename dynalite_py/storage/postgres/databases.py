"""One PostgreSQL server a store talks to (the primary, or a read replica):
its connection pool, and whether it is down.

A call that loses its connection, or gets none, reports it (`failed`); a
probe connection tells a lost connection (the server answers: the pool's
idle connections are checked and the next call works) from a server that
is down. A server found down is not waited for: every call fails at once
(Down) while a thread probes it every PROBE_INTERVAL, and once it answers
again a fresh pool replaces the old one, whose own reconnection attempts
back off for minutes. So while the database is down requests fail in
milliseconds, and they succeed again within a probe interval of its return.
"""
from __future__ import annotations

import logging
import re
import threading

import psycopg
from psycopg_pool import ConnectionPool

from .. import StoreUnavailable, without_password

log = logging.getLogger("dynalite_py")
CONNECT_TIMEOUT = 10.0  # seconds a call waits for a pooled connection
PROBE_TIMEOUT = 2  # seconds a probe connection may take (libpq's whole seconds)
PROBE_INTERVAL = 0.25
HEALTH_TIMEOUT = 2.0  # seconds a health check waits for a connection


class Down(Exception):
    """The server is down (found so by a probe): nothing was sent."""


def one_line(error: BaseException) -> str:
    """libpq's message (often several lines, with a hint) on one line."""
    return re.sub(r"\s*\n\s*", "; ", str(error).strip())


class Database:
    """One server's pool, replaced after an outage."""

    def __init__(self, url: str, connections: int, required: bool = True) -> None:
        """Connect to `url`; StoreUnavailable if it cannot be reached, unless
        not `required` (a read replica): then it starts down."""
        self.url = url
        self._connections = connections
        self._down = threading.Event()
        self._closed = threading.Event()
        self._checking = threading.Lock()  # one failure check at a time
        self.pool: ConnectionPool | None = None
        try:
            self.pool = open_pool(url, connections)
        except StoreUnavailable as error:
            if required:
                raise
            self._found_down(str(error))

    @property
    def down(self) -> bool:
        return self._down.is_set()

    def connection_pool(self) -> ConnectionPool:
        """The pool to take a connection from; Down while the server is."""
        if self._down.is_set():
            raise Down()
        return self.pool

    def failed(self, error: BaseException) -> None:
        """A call lost its connection or got none: find out whether the
        server is down (then fail every call at once until it is back) or
        only that connection was lost (then check the idle ones)."""
        if self._down.is_set() or not self._checking.acquire(blocking=False):
            return  # known already, or being found out by another call
        try:
            if self.answers_probe():
                threading.Thread(target=self.pool.check, daemon=True).start()
                return
            self._found_down(one_line(error))
        finally:
            self._checking.release()

    def _found_down(self, reason: str) -> None:
        log.warning("database %s is down (%s): not used until it is back",
                    without_password(self.url), reason)
        self._down.set()
        threading.Thread(target=self._wait_for_return, name="dynalite-pg-probe",
                         daemon=True).start()

    def answers_probe(self) -> bool:
        try:
            psycopg.connect(self.url, connect_timeout=PROBE_TIMEOUT).close()
            return True
        except psycopg.Error:
            return False

    def _wait_for_return(self) -> None:
        while not self._closed.wait(PROBE_INTERVAL):
            if not self.answers_probe():
                continue
            try:
                fresh = open_pool(self.url, self._connections)
            except StoreUnavailable:
                continue
            stale, self.pool = self.pool, fresh
            self._down.clear()
            log.warning("database %s is back", without_password(self.url))
            if stale is not None:  # its connections in use are closed as they are given back
                threading.Thread(target=stale.close, daemon=True).start()
            return

    def answers(self) -> bool:
        """Whether the server answers a query now (the health check)."""
        if self._down.is_set():
            return False
        try:
            with self.pool.connection(timeout=HEALTH_TIMEOUT) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error as error:
            self.failed(error)
            return False

    def close(self) -> None:
        self._closed.set()
        if self.pool is not None:
            self.pool.close()


def open_pool(url: str, connections: int) -> ConnectionPool:
    """A pool of autocommit connections to `url`; StoreUnavailable with
    libpq's own reason, on one line, when the server cannot be reached."""
    try:  # one connection first: the pool would retry for CONNECT_TIMEOUT, then say less
        psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT)).close()
    except psycopg.Error as error:
        raise StoreUnavailable(f"cannot connect to the database {without_password(url)}: "
                               f"{one_line(error)}") from error
    pool = ConnectionPool(url, min_size=1, max_size=max(2, connections), open=False,
                          kwargs={"autocommit": True, "prepare_threshold": 0},
                          configure=_configure, timeout=CONNECT_TIMEOUT, name="dynalite")
    try:
        pool.open(wait=True, timeout=CONNECT_TIMEOUT)
    except psycopg.Error as error:
        pool.close()
        raise StoreUnavailable(f"cannot connect to the database {without_password(url)}: "
                               f"{one_line(error)}") from error
    return pool


def _configure(conn: psycopg.Connection) -> None:
    conn.prepared_max = 256  # every keyspace's statements stay prepared

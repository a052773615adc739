"""The PostgreSQL backend: every keyspace a table in one database
(schema.py), shared by any number of servers.

Snapshots are REPEATABLE READ, READ ONLY transactions: PostgreSQL fixes a
transaction's snapshot at its first statement, which `read` sends at once,
so a snapshot sees every commit before it and none after, on any server.
That statement reads the snapshot's version (`snapshot_version`):
PostgreSQL's own snapshot id, pg_current_snapshot(), equal for two
transactions only when they see exactly the same commits; a database
without it (CockroachDB) gets a fresh object per snapshot, never equal, so
the catalog cache is checked against the catalog version every time.

Writes are SERIALIZABLE transactions: a serialization failure or a deadlock
(SQLSTATE 40001, 40P01) is a Conflict, and the work runs again in a fresh
transaction after a jittered, growing pause, up to DATABASE_ATTEMPTS times
(WRITE_ATTEMPTS for a Conflict the work raises; then Conflict reaches the
engine, which answers with DynamoDB's error).
Held commits are one transaction with a savepoint per held write. A lost
connection or an unreachable database fails the request with DynamoDB's
InternalServerError (retryable); the transaction is rolled back by the
server, so nothing is half-written. Whether the database is down, and the
pool that replaces a lost one, are databases.py's.

Eventually consistent reads (`read_eventually`) take a snapshot of a read
replica while one is usable (replicas.py); its version is told apart from
the primary's by the replica's URL.

Not shared between servers: the files beside the data (`path`, unpacked
Lambda code) stay in a temporary directory of this process.
"""
from __future__ import annotations

import functools
import logging
import random
import tempfile
import threading
import time
import uuid
from typing import Any, Callable

import psycopg
from psycopg import errors

from ...errors import DynamoError
from .. import StoreUnavailable, without_password
from ..interface import (
    KEYSPACES,
    WRITE_ATTEMPTS,
    Borrowed,
    Conflict,
    Keyspace,
    Store,
    WriteContext,
    merged_stats,
)
from .databases import Database, Down, one_line
from .replicas import MAX_LAG, Replicas
from .schema import current_schema, ensure_schema
from .transactions import (
    BEGIN_SNAPSHOT,
    BEGIN_WRITE,
    SNAPSHOT_ID,
    Transaction,
    add_counts,
    keyspace,
    stats_keyspace,
)
from .wakeups import Listener, channel_name, notify_statement

log = logging.getLogger("dynalite_py")
DATABASE_CONFLICTS = (errors.SerializationFailure, errors.DeadlockDetected)
CONFLICTS = (Conflict, *DATABASE_CONFLICTS)
# how many times a write PostgreSQL refuses to serialize runs before Conflict
DATABASE_ATTEMPTS = 32
# the pause before a conflicting write runs again: random, up to
# BACKOFF_BASE * 2**attempt seconds and at most BACKOFF_MAX
BACKOFF_BASE = 0.002
BACKOFF_MAX = 0.1
SAVEPOINT = b"SAVEPOINT held"
RELEASE_SAVEPOINT = b"RELEASE SAVEPOINT held"
ROLLBACK_TO_SAVEPOINT = b"ROLLBACK TO SAVEPOINT held"


class _Snapshot(Transaction):
    """A read snapshot, as the context manager Store.read returns; `report`
    turns a failure into the error the call reports."""

    __slots__ = ("report",)

    def __init__(self, pool, begin: bytes,
                 report: Callable[[BaseException], BaseException]) -> None:
        self.report = report
        super().__init__(pool, begin)

    def __enter__(self) -> _Snapshot:
        return self

    def __exit__(self, kind, error, _traceback) -> None:
        if error is None:
            try:
                self.commit()
            except psycopg.Error as failure:
                raise self.report(failure) from failure
            return
        self.abandon()
        reported = self.report(error)
        if reported is not error:
            raise reported from error


class _Held(threading.local):
    holding = False
    txn: Transaction | None = None  # the open transaction, from the first held write
    done: list[WriteContext] = []
    failure: BaseException | None = None  # what doomed the held transaction


class PostgresStore(Store):
    """Keyspaces in a PostgreSQL database, through a connection pool."""

    remote = True

    def __init__(self, url: str, connections: int = 20, replicas: tuple[str, ...] = (),
                 replica_max_lag: float = MAX_LAG) -> None:
        self._primary = Database(url, connections)
        self._tempdir = tempfile.TemporaryDirectory(prefix="dynalite-pg-code-")
        self.path = self._tempdir.name  # unpacked Lambda code: this process's own
        self.after_stream_commit: list[Callable[[], None]] = []
        try:
            with self._primary.pool.connection() as conn:
                ensure_schema(conn)
                schema = current_schema(conn)
                self._has_snapshot_ids = _has_snapshot_ids(conn)
        except BaseException as error:
            self._primary.close()
            self._tempdir.cleanup()
            if isinstance(error, psycopg.Error):
                raise StoreUnavailable(f"cannot use the database {without_password(url)}: "
                                       f"{one_line(error)}") from error
            raise
        # the first statement of every snapshot
        self._snapshot_id = SNAPSHOT_ID if self._has_snapshot_ids else b"SELECT 1"
        self._keyspaces = {name: stats_keyspace() if name == "stats" else keyspace(name)
                           for name in KEYSPACES}
        channel = channel_name(schema)
        sender = uuid.uuid4().hex
        self._notify = notify_statement(channel, sender)
        self._snapshots = threading.local()  # per-thread stale snapshots
        self._held = _Held()
        self._listener = Listener(url, channel, sender, lambda: self.after_stream_commit)
        self._listener.start()
        self._replicas = Replicas(replicas, connections, replica_max_lag) if replicas else None

    def keyspace(self, name: str) -> Keyspace:
        return self._keyspaces[name]

    # Reading ----------------------------------------------------------------
    def read(self, max_age: float = 0.0):
        if max_age <= 0:
            return self._snapshot()
        current = getattr(self._snapshots, "current", None)
        now = time.monotonic()
        if current is None or now - current[1] > max_age or current[0].conn.broken:
            if current is not None:
                self._end_stale(current[0])
            current = (self._snapshot(), now)
            self._snapshots.current = current
        return Borrowed(current[0])

    def read_eventually(self, max_age: float):
        """A snapshot of a usable read replica (replicas.py), taken now; the
        primary's (`read(max_age)`) when there is none, or when the one
        picked fails to give one (it is skipped until it is usable again)."""
        replica = self._replicas.pick() if self._replicas is not None else None
        if replica is None:
            return self.read(max_age)
        try:
            return self._snapshot(replica)
        except DynamoError:
            self._replicas.skip(replica)
            return self.read(max_age)

    def _snapshot(self, database: Database | None = None) -> _Snapshot:
        """A snapshot taken now, of the primary or of a replica: PostgreSQL
        takes it at a transaction's first statement, so one is sent at once
        (it reads the snapshot's id; a replica's is told from the primary's)."""
        database = database or self._primary
        report = self._reported if database is self._primary else \
            functools.partial(self._reported, database=database)
        try:
            snapshot = _Snapshot(database.connection_pool(), BEGIN_SNAPSHOT, report)
        except (psycopg.Error, Down) as error:
            raise report(error) from error
        try:
            snapshot.cursor.execute(self._snapshot_id)
            version = snapshot.cursor.fetchone()[0] if self._has_snapshot_ids else object()
        except psycopg.Error as error:
            snapshot.abandon()
            raise report(error) from error
        snapshot.version = version if database is self._primary else (database.url, version)
        return snapshot

    @staticmethod
    def _end_stale(snapshot: _Snapshot) -> None:
        """End a lent snapshot that is too old (or lost its connection: then
        there is nothing to commit)."""
        if snapshot.conn.broken:
            snapshot.abandon()
        else:
            snapshot.__exit__(None, None, None)

    def snapshot_version(self, snapshot: _Snapshot) -> object:
        return snapshot.version

    # Writing ----------------------------------------------------------------
    def write(self, work: Callable[[WriteContext], Any]) -> Any:
        """Run `work` in a SERIALIZABLE transaction, again after a pause when
        it conflicts: up to WRITE_ATTEMPTS times when the work itself raises
        Conflict (the contract's bound), up to DATABASE_ATTEMPTS when
        PostgreSQL refuses to serialize it (SSI also refuses writes of
        distinct keys that share an index page: under a burst of new items
        that is common, and a retry is the documented remedy)."""
        held = self._held
        if held.holding:
            return self._write_held(held, work)
        raised = refused = 0
        while True:
            try:
                result, ctx = self._attempt(work)
            except Conflict:
                raised += 1
                if raised >= WRITE_ATTEMPTS:
                    raise
            except DATABASE_CONFLICTS:
                refused += 1
                if refused >= DATABASE_ATTEMPTS:
                    raise Conflict() from None
            except BaseException as error:
                reported = self._reported(error)
                if reported is error:
                    raise
                raise reported from error
            else:
                if ctx.streamed:
                    self._tell_listeners()
                return result
            self._pause(raised + refused)

    def _attempt(self, work: Callable[[WriteContext], Any]) -> tuple[Any, WriteContext]:
        """One transaction running `work`, committed; rolled back if it raises."""
        txn = self._begin_write()
        try:
            ctx = WriteContext(txn)
            result = work(ctx)
            add_counts(txn, ctx.stats)
            if ctx.streamed:
                txn.send(self._notify)
        except BaseException:
            txn.abandon()
            raise
        txn.commit()
        return result, ctx

    def _begin_write(self) -> Transaction:
        try:
            return Transaction(self._primary.connection_pool(), BEGIN_WRITE)
        except (psycopg.Error, Down) as error:
            raise self._reported(error) from error

    @staticmethod
    def _pause(attempt: int) -> None:
        time.sleep(random.uniform(0, min(BACKOFF_MAX, BACKOFF_BASE * 2 ** min(attempt, 16))))

    def hold_commits(self) -> None:
        self._held.holding = True

    def _write_held(self, held: _Held, work: Callable[[WriteContext], Any]) -> Any:
        """One held write, in a savepoint of the held transaction: a failure
        rolls back to the savepoint, a Conflict raised by the work runs it
        again there; a failure of the database dooms every held write."""
        if held.failure is not None:
            raise held.failure
        if held.txn is None:
            held.txn, held.done = self._begin_write(), []
        txn = held.txn
        for attempt in range(WRITE_ATTEMPTS):
            txn.send(SAVEPOINT)
            try:
                ctx = WriteContext(txn)
                result = work(ctx)
                txn.send(RELEASE_SAVEPOINT)
                held.done.append(ctx)
                return result
            except psycopg.Error as error:
                raise self._doomed(held, error) from error
            except BaseException as error:
                try:
                    txn.rollback_to_savepoint(ROLLBACK_TO_SAVEPOINT)
                except psycopg.Error as failure:
                    raise self._doomed(held, failure) from failure
                if isinstance(error, Conflict) and attempt < WRITE_ATTEMPTS - 1:
                    continue
                raise
        raise AssertionError("unreachable")

    def _doomed(self, held: _Held, error: psycopg.Error) -> BaseException:
        """The error that lost the held transaction, kept for every held
        write after it and for the release."""
        held.failure = Conflict() if isinstance(error, CONFLICTS) else self._reported(error)
        return held.failure

    def release_commits(self) -> BaseException | None:
        held = self._held
        txn, done, failure = held.txn, held.done, held.failure
        held.txn, held.done, held.failure, held.holding = None, [], None, False
        if txn is None:
            return None
        if failure is not None or not done:
            txn.abandon()
            return failure
        streamed = any(ctx.streamed for ctx in done)
        try:
            add_counts(txn, merged_stats(done))
            if streamed:
                txn.send(self._notify)
            txn.commit()
        except CONFLICTS:
            return Conflict()
        except BaseException as error:
            return self._reported(error)
        if streamed:
            self._tell_listeners()
        return None

    def _wake_listener(self) -> None:
        try:
            with self._primary.pool.connection(timeout=1) as conn:
                conn.execute(self._notify)
        except psycopg.Error:
            pass  # a database that is down: the listener stops at its next check

    def _tell_listeners(self) -> None:
        for listener in self.after_stream_commit:
            listener()

    def _reported(self, error: BaseException, database: Database | None = None
                  ) -> BaseException:
        """A lost or unreachable database: it (the primary unless said)
        finds out whether it is down (databases.py), the request fails with
        DynamoDB's retryable InternalServerError."""
        reported = _reported(error)
        if reported is not error and not isinstance(error, Down):
            (database or self._primary).failed(error)
        return reported

    def answers(self) -> bool:
        return self._primary.answers()

    def close(self) -> None:
        self._listener.stop(self._wake_listener)
        current = getattr(self._snapshots, "current", None)
        if current is not None:
            current[0].abandon()
        if self._replicas is not None:
            self._replicas.close()
        self._primary.close()
        self._tempdir.cleanup()


def _reported(error: BaseException) -> BaseException:
    """The error a failed call reports: a database that cannot be reached
    (or a pool with no connection to give) is InternalServerError."""
    if isinstance(error, Down):
        return _unavailable()
    if isinstance(error, psycopg.OperationalError):
        log.warning("database unavailable: %s", one_line(error))
        return _unavailable()
    return error


def _unavailable() -> DynamoError:
    return DynamoError("InternalServerError",
                       "The database is unavailable; the request was not applied", status=500)


def _has_snapshot_ids(conn: psycopg.Connection) -> bool:
    try:
        with conn.transaction():
            conn.execute(SNAPSHOT_ID)
        return True
    except psycopg.errors.UndefinedFunction:
        return False

"""The LMDB backend: one environment per data directory, a named database
per keyspace, group commit and durability modes.

Every keyspace (interface.KEYSPACES) is a named database; a transaction's
default database is "items", so the items keyspace's functions are
py-lmdb's own methods (no Python frame between a repository and LMDB on
GetItem and PutItem). LMDB has one writer at a time, also across processes
sharing the directory, so a write never conflicts; a Conflict raised by a
write's work still runs it again, as the contract says.

Durability modes:
  "process" (default)  commits reach the OS page cache before a write is
                       acknowledged: safe against a killed process.
  "fsync"              every commit is flushed to disk before the
                       acknowledgement: safe against power loss.
Group commit: a writer that finds no commit in progress commits its write
at once, alone; the others queue. When a commit ends, the first queued
writer becomes the leader: it runs every queued write in one LMDB
transaction (each in a nested transaction, so one failure cannot touch the
others; a write alone runs in the transaction itself), commits once (one
fsync), then wakes the rest. Held commits (`hold_commits`) do the
same for one thread's writes, for Engine.call_together.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections import deque
from typing import Any, Callable, Iterator

import lmdb

from ...config import DEFAULT_MAP_SIZE
from ...errors import DynamoError
from ..interface import (
    KEYSPACES,
    WRITE_ATTEMPTS,
    Borrowed,
    Conflict,
    Keyspace,
    Store,
    WriteContext,
    apply_stats,
    merged_stats,
)

log = logging.getLogger("dynalite_py")
DURABILITY_MODES = ("process", "fsync")

class _Task:
    __slots__ = ("work", "done", "result", "error", "wake")

    def __init__(self, work: Callable[[WriteContext], Any]) -> None:
        self.work = work
        # set when done, or when promoted to leader; only a writer that has to
        # wait gets one (most writes find no commit in progress)
        self.wake: threading.Event | None = None
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


class _Held(threading.local):
    holding = False  # between hold_commits and release_commits
    batch: _Batch | None = None  # the open transaction, from the first held write


class LmdbStore(Store):
    """An LMDB environment with the engine's keyspaces and a group committer."""

    # two read snapshots with one LMDB id see the same data (a write
    # transaction's id is reused when it aborts: not for writes)
    snapshot_version = staticmethod(lmdb.Transaction.id)

    def __init__(self, path: str | None = None, durability: str = "process",
                 map_size: int = DEFAULT_MAP_SIZE) -> None:
        if durability not in DURABILITY_MODES:
            raise ValueError(f"durability must be one of {DURABILITY_MODES}")
        self._tempdir = tempfile.TemporaryDirectory(prefix="dynalite-") if path is None else None
        self.path = self._tempdir.name if self._tempdir else path
        os.makedirs(self.path, exist_ok=True)
        fsync = durability == "fsync"
        self.env = lmdb.open(self.path, map_size=map_size, max_dbs=len(KEYSPACES),
                             sync=fsync, metasync=fsync, readahead=False, max_readers=1024)
        databases = {name: self.env.open_db(name.encode()) for name in KEYSPACES}
        self.items = databases["items"]  # every transaction's default database
        self._keyspaces = {name: _keyspace(name, db, db is self.items)
                           for name, db in databases.items()}
        self._stats = self._keyspaces["stats"]
        self._snapshots = threading.local()  # per-thread stale snapshots
        self.after_stream_commit: list[Callable[[], None]] = []
        self._queue: deque[_Task] = deque()
        self._lock = threading.Lock()
        self._leader_active = False
        self._held = _Held()

    def keyspace(self, name: str) -> Keyspace:
        return self._keyspaces[name]

    def close(self) -> None:
        self.env.close()
        if self._tempdir:
            self._tempdir.cleanup()

    def read(self, max_age: float = 0.0):
        """A read snapshot, used as a context manager.

        With max_age > 0 (eventually consistent reads under a configured
        lag) this thread's previous snapshot is reused while it is at most
        max_age seconds old, so a read may miss writes made since then but
        never older ones.
        """
        if max_age <= 0:
            return self.env.begin(self.items)  # positional: faster
        snapshot = getattr(self._snapshots, "current", None)
        now = time.monotonic()
        if snapshot is None or now - snapshot[1] > max_age:
            if snapshot is not None:
                snapshot[0].abort()
            snapshot = (self.env.begin(self.items), now)
            self._snapshots.current = snapshot
        return Borrowed(snapshot[0])

    def write(self, work: Callable[[WriteContext], Any]) -> Any:
        """Run `work` inside a write transaction and return its result once
        the transaction is committed (and flushed, in fsync mode). Inside
        `hold_commits`, the result comes at once and the commit later."""
        held = self._held
        if held.holding:
            if held.batch is None:
                held.batch = _Batch(self, nested=True)
            return held.batch.run(_Task(work)).outcome()
        with self._lock:
            alone = not self._leader_active
            if alone:  # no commit in progress: lead at once, without queueing
                self._leader_active = True
            else:
                task = _Task(work)
                task.wake = threading.Event()  # its own event: no thundering herd
                self._queue.append(task)
        if alone:
            return self._write_alone(work)
        task.wake.wait()
        if not task.done:  # promoted to leader: commit what is queued
            self._lead(self._take_queue())
        return task.outcome()

    def _write_alone(self, work: Callable[[WriteContext], Any]) -> Any:
        """Most writes find no commit in progress: run one in a transaction
        of its own (a failure aborts it all), without the task and batch a
        shared commit needs (they cost ~10% of a PutItem)."""
        try:
            result, ctx = self._attempt_alone(work, WRITE_ATTEMPTS)
        finally:
            self._hand_over()
        if ctx.streamed:
            self._tell_stream_listeners()
        return result

    def _attempt_alone(self, work: Callable[[WriteContext], Any],
                       attempts: int) -> tuple[Any, WriteContext]:
        try:
            txn = self.env.begin(write=True, db=self.items)
            try:
                ctx = WriteContext(txn)
                result = work(ctx)
                apply_stats(self._stats, txn, ctx.stats)
                txn.commit()
            except BaseException:
                txn.abort()
                raise
        except Conflict:
            if attempts <= 1:
                raise
            return self._attempt_alone(work, attempts - 1)
        except BaseException as error:
            reported = self._reported(error)
            if reported is error:
                raise
            raise reported from error
        return result, ctx

    def hold_commits(self) -> None:
        """Until `release_commits`, this thread's writes share one open
        transaction: each runs (in a nested transaction) and returns its
        result at once, but none is committed, so none may be acknowledged,
        until the release. One commit then serves them all
        (Engine.call_together: the server's writes of one event-loop turn)."""
        self._held.holding = True

    def release_commits(self) -> BaseException | None:
        """Commit the writes held since `hold_commits`; the error that undid
        them all if the commit failed, else None."""
        held = self._held
        batch, held.batch, held.holding = held.batch, None, False
        if batch is None:
            return None
        return batch.finish()

    def _take_queue(self) -> list[_Task]:
        with self._lock:
            tasks = list(self._queue)
            self._queue.clear()
        return tasks

    def _lead(self, tasks: list[_Task]) -> None:
        """Commit `tasks`; then promote the next queued writer (if any) to
        leader before waking this batch's writers."""
        try:
            self._commit_tasks(tasks)
        finally:
            self._hand_over()
            for task in tasks:
                if task.wake is not None:
                    task.wake.set()

    def _hand_over(self) -> None:
        """End this leader's turn: promote the next queued writer, if any."""
        with self._lock:
            if self._queue:
                self._queue[0].wake.set()
            else:
                self._leader_active = False

    def _tell_stream_listeners(self) -> None:
        for listener in self.after_stream_commit:
            listener()

    def _commit_tasks(self, tasks: list[_Task]) -> None:
        try:
            # a write alone needs no nested transaction to keep its failure
            # from the others: it fails by aborting the whole transaction
            batch = _Batch(self, nested=len(tasks) > 1)
        except BaseException as error:
            batch = None
            failure: BaseException | None = self._reported(error)
        else:
            for task in tasks:
                batch.run(task)
            failure = batch.finish()
        for task in tasks:
            if failure is not None:  # the commit itself failed: no task took effect
                task.error, task.result = failure, None
            task.done = True

    def _reported(self, error: BaseException) -> BaseException:
        """The error a failed write reports: a full map becomes DynamoDB's
        InternalServerError with what to do about it, not an unexpected one."""
        if not isinstance(error, lmdb.MapFullError):
            return error
        size = self.env.info()["map_size"]
        log.warning("LMDB map of %s is full (%d bytes)", self.path, size)
        return DynamoError("InternalServerError", f"The data directory is full: its LMDB map "
                           f"size of {size} bytes is used up; restart with a larger map size "
                           "(DYNALITE_MAP_SIZE)", status=500)


class _Batch:
    """One write transaction and the writes run in it so far."""

    def __init__(self, store: Store, nested: bool) -> None:
        self.store = store
        # each write in a nested transaction, so that one failure undoes only
        # itself; without, a failure undoes the batch (for a write alone)
        self.nested = nested
        self.txn = store.env.begin(write=True, db=store.items)
        self.done: list[WriteContext] = []

    def run(self, task: _Task, attempts: int = WRITE_ATTEMPTS) -> _Task:
        """Run one write; a failure is kept on the task."""
        nested = None
        try:
            if self.nested:
                nested = self.store.env.begin(write=True, parent=self.txn, db=self.store.items)
            ctx = WriteContext(self.txn if nested is None else nested)
            task.result = task.work(ctx)
            if nested is not None:
                nested.commit()
        except BaseException as error:
            if nested is not None:
                nested.abort()
            if isinstance(error, Conflict) and attempts > 1:
                if nested is None:  # alone in the transaction: start it afresh
                    self.txn.abort()
                    self.txn = self.store.env.begin(write=True, db=self.store.items)
                return self.run(task, attempts - 1)
            task.error = self.store._reported(error)
            return task
        self.done.append(ctx)
        return task

    def finish(self) -> BaseException | None:
        """Commit the writes that succeeded (with their stat changes), then
        tell the stream listeners; the error if the commit itself failed."""
        store = self.store
        try:
            if not self.done:
                self.txn.abort()
                return None
            apply_stats(store._stats, self.txn, merged_stats(self.done))
            self.txn.commit()
        except BaseException as error:
            self.txn.abort()
            return store._reported(error)
        if any(ctx.streamed for ctx in self.done):
            store._tell_stream_listeners()
        return None


def _keyspace(name: str, db, is_default: bool) -> Keyspace:
    """A keyspace's functions over one named database. The default
    database's (items) are py-lmdb's own methods, called with no Python
    frame in between; the others pass `db` positionally (py-lmdb parses
    keywords slowly)."""
    if is_default:
        return Keyspace(name, lmdb.Transaction.get, lmdb.Transaction.put,
                        lmdb.Transaction.delete, _range(db))

    def get(txn: lmdb.Transaction, key: bytes) -> bytes | None:
        return txn.get(key, None, db)

    def put(txn: lmdb.Transaction, key: bytes, value: bytes) -> None:
        txn.put(key, value, False, True, False, db)

    def delete(txn: lmdb.Transaction, key: bytes) -> bool:
        return txn.delete(key, db=db)

    return Keyspace(name, get, put, delete, _range(db))


def _range(db) -> Callable[..., Iterator[tuple[bytes, bytes]]]:
    def range_(txn: lmdb.Transaction, start: bytes | None = None, stop: bytes | None = None,
               reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        cursor = txn.cursor(db)
        if not reverse:
            if not (cursor.set_range(start) if start else cursor.first()):
                return
            for key, value in cursor:
                if stop is not None and key >= stop:
                    return
                yield key, value
            return
        positioned = cursor.set_range(stop) if stop is not None else False
        positioned = cursor.prev() if positioned else cursor.last()
        while positioned:
            key, value = cursor.item()
            if start is not None and key < start:
                return
            yield key, value
            positioned = cursor.prev()
    return range_

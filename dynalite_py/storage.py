"""LMDB storage: the environment, its named databases, and group commit.

Layout (one LMDB environment per data directory):
  meta     engine counters (next table id, catalog version)
  catalog  table name -> msgpack table record
  items    encoded item key (see model/keys.py) -> msgpack item (wire form)
  stats    table id (or b"I" + index id) -> msgpack [item count, size bytes]
  streams  stream records and shards (see streams.py)
  ttl      expiry index of TTL-enabled tables (see ttl.py)
  indexes  secondary index entries (see indexes.py)
  lambda   functions, event source mappings, on-failure records (functions.py,
           mappings.py)
  checkpoints  trigger bridge positions per mapping and shard (bridge.py)
Every write and everything derived from it commit in one LMDB transaction.

Durability modes:
  "process" (default)  commits reach the OS page cache before a write is
                       acknowledged: safe against a killed process.
  "fsync"              every commit is flushed to disk before the
                       acknowledgement: safe against power loss.
Group commit: concurrent writers queue their work; whichever thread finds
no commit in progress becomes the leader, runs every queued write in one
LMDB transaction (each in a nested transaction, so one failure cannot
touch the others; a write alone runs in the transaction itself), commits
once (one fsync), then wakes the rest.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import lmdb
import msgpack

from .errors import DynamoError

log = logging.getLogger("dynalite_py")
DATABASE_NAMES = ("meta", "catalog", "items", "stats", "indexes", "streams", "ttl",
                  "lambda", "checkpoints")
# Address space only (the map is read-only; the file grows as data does), so a
# large default costs nothing and the data can grow until the disk is full.
DEFAULT_MAP_SIZE = 1 << 40
DURABILITY_MODES = ("process", "fsync")

pack = msgpack.Packer(use_bin_type=True).pack


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False)


@dataclass
class WriteContext:
    """What one queued write sees: its (nested) transaction and stat deltas."""

    txn: lmdb.Transaction
    stats: dict[bytes, list[int]] = field(default_factory=dict)
    # write units spent on secondary indexes by this write, by index name
    index_units: dict[str, float] = field(default_factory=dict)
    streamed: bool = False  # a stream record was appended

    def count_item(self, table_id: bytes, count_delta: int, size_delta: int) -> None:
        delta = self.stats.setdefault(table_id, [0, 0])
        delta[0] += count_delta
        delta[1] += size_delta


class _Borrowed:
    """A shared snapshot lent to one read: leaving the block keeps it open."""

    def __init__(self, txn: lmdb.Transaction) -> None:
        self.txn = txn

    def __enter__(self) -> lmdb.Transaction:
        return self.txn

    def __exit__(self, *_exc) -> None:
        return None


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


class Store:
    """An LMDB environment with the engine's databases and a group committer."""

    def __init__(self, path: str | None = None, durability: str = "process",
                 map_size: int = DEFAULT_MAP_SIZE) -> None:
        if durability not in DURABILITY_MODES:
            raise ValueError(f"durability must be one of {DURABILITY_MODES}")
        self._tempdir = tempfile.TemporaryDirectory(prefix="dynalite-") if path is None else None
        self.path = self._tempdir.name if self._tempdir else path
        os.makedirs(self.path, exist_ok=True)
        fsync = durability == "fsync"
        self.env = lmdb.open(self.path, map_size=map_size, max_dbs=len(DATABASE_NAMES),
                             sync=fsync, metasync=fsync, readahead=False, max_readers=1024)
        self.db = {name: self.env.open_db(name.encode()) for name in DATABASE_NAMES}
        self.items = self.db["items"]
        self.catalog = self.db["catalog"]
        self.meta = self.db["meta"]
        self.stats = self.db["stats"]
        self.streams = self.db["streams"]
        self.ttl = self.db["ttl"]
        self.indexes = self.db["indexes"]
        self.lambdas = self.db["lambda"]
        self.checkpoints = self.db["checkpoints"]
        self._snapshots = threading.local()  # per-thread stale snapshots
        # told after every commit that appended stream records
        self.after_stream_commit: list[Callable[[], None]] = []
        self._queue: deque[_Task] = deque()
        self._lock = threading.Lock()
        self._leader_active = False

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
            return self.env.begin(buffers=False)
        snapshot = getattr(self._snapshots, "current", None)
        now = time.monotonic()
        if snapshot is None or now - snapshot[1] > max_age:
            if snapshot is not None:
                snapshot[0].abort()
            snapshot = (self.env.begin(buffers=False), now)
            self._snapshots.current = snapshot
        return _Borrowed(snapshot[0])

    def write(self, work: Callable[[WriteContext], Any]) -> Any:
        """Run `work` inside a write transaction and return its result once
        the transaction is committed (and flushed, in fsync mode)."""
        task = _Task(work)
        with self._lock:
            follow = self._leader_active
            if follow:
                task.wake = threading.Event()  # its own event: no thundering herd
            self._queue.append(task)
            self._leader_active = True
        if follow:
            task.wake.wait()
        if not task.done:  # the leader, first or promoted
            self._lead()
        if task.error is not None:
            raise task.error
        return task.result

    def _lead(self) -> None:
        """Commit everything queued; then promote the next queued writer (if
        any) to leader before waking this batch's writers."""
        with self._lock:
            batch = list(self._queue)
            self._queue.clear()
        try:
            self._commit_batch(batch)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].wake.set()
                else:
                    self._leader_active = False
            for task in batch:
                if task.wake is not None:
                    task.wake.set()

    def _commit_batch(self, batch: list[_Task]) -> None:
        streamed = False
        try:
            parent = self.env.begin(write=True, db=self.items)
            try:
                # a write alone needs no nested transaction to keep its failure
                # from the others: it fails by aborting the whole transaction
                nested = len(batch) > 1
                done = [ctx for task in batch
                        if (ctx := self._run_task(parent, task, nested)) is not None]
                if done:
                    self._apply_stats(parent, done)
                    parent.commit()
                    streamed = any(ctx.streamed for ctx in done)
                else:
                    parent.abort()
            except BaseException:
                parent.abort()
                raise
        except BaseException as error:  # the commit itself failed: no task took effect
            for task in batch:
                task.error, task.result = self._reported(error), None
        finally:
            for task in batch:
                task.done = True
        if streamed:
            for listener in self.after_stream_commit:
                listener()

    def _run_task(self, parent: lmdb.Transaction, task: _Task,
                  nested: bool) -> WriteContext | None:
        """Run one task, in a nested transaction if `nested`; its context if it
        succeeded, None if it failed (its error is kept on the task)."""
        txn = self.env.begin(write=True, parent=parent, db=self.items) if nested else parent
        ctx = WriteContext(txn)
        try:
            task.result = task.work(ctx)
        except BaseException as error:
            if nested:
                txn.abort()
            task.error = self._reported(error)
            return None
        if nested:
            txn.commit()
        return ctx

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

    def _apply_stats(self, txn: lmdb.Transaction, done: list[WriteContext]) -> None:
        """Add the item count and size changes of the committed writes."""
        stats: dict[bytes, list[int]] = {}
        for ctx in done:
            for table_id, (count, size) in ctx.stats.items():
                total = stats.setdefault(table_id, [0, 0])
                total[0] += count
                total[1] += size
        for table_id, (count, size) in stats.items():
            if count == 0 and size == 0:
                continue
            current = txn.get(table_id, db=self.stats)
            item_count, size_bytes = unpack(current) if current else (0, 0)
            txn.put(table_id, pack([item_count + count, size_bytes + size]), db=self.stats)

    def table_stats(self, txn: lmdb.Transaction, table_id: bytes) -> tuple[int, int]:
        """(ItemCount, TableSizeBytes) as of `txn`."""
        current = txn.get(table_id, db=self.stats)
        return tuple(unpack(current)) if current else (0, 0)

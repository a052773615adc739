"""The memory backend: every keyspace a sortedcontainers.SortedDict in this
process, for `dynalite_py.open(":memory:")` and `serve --in-memory`.

Snapshots are copy-on-write: a snapshot sees the committed version of every
keyspace as of one commit (it is counted open at that commit); a commit
changes a keyspace's version in place when no open snapshot sees it (none
is open at or after the commit that made it current) and a copy otherwise,
so an open snapshot never sees a later write. Writes run one at a time
under a global lock (they never conflict); a write transaction keeps its
changes in an overlay over the committed data until it commits (nested
overlays for held commits, so a failed held write undoes only itself).
One process only: nothing is shared with another process and nothing
survives `close`.
"""
from __future__ import annotations

import tempfile
import threading
import time
from typing import Any, Callable, Iterator

from sortedcontainers import SortedDict

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

_DELETED = object()  # an overlay's mark for a key the transaction deleted
Entries = Iterator[tuple[bytes, bytes]]


class _Version:
    """One committed version of a keyspace, and the commit that made it current."""

    __slots__ = ("data", "since")

    def __init__(self, data: SortedDict, since: int) -> None:
        self.data = data
        self.since = since


def _irange(data: SortedDict, start: bytes | None, stop: bytes | None,
            reverse: bool) -> Entries:
    for key in data.irange(start, stop, inclusive=(True, False), reverse=reverse):
        yield key, data[key]


class _Snapshot:
    """The committed versions of every keyspace at one moment."""

    __slots__ = ("versions", "version", "_store")

    def __init__(self, store: MemoryStore, versions: dict[str, _Version], version: int) -> None:
        self.versions = versions
        self.version = version
        self._store = store

    def lookup(self, name: str, key: bytes) -> bytes | None:
        return self.versions[name].data.get(key)

    def entries(self, name: str, start: bytes | None, stop: bytes | None,
                reverse: bool) -> Entries:
        return _irange(self.versions[name].data, start, stop, reverse)

    def __enter__(self) -> _Snapshot:
        return self

    def __exit__(self, *_exc) -> None:
        self._store._close_snapshot(self.version)


class _WriteTxn:
    """A write transaction: its changes by keyspace, over its parent (the
    committed data, or the transaction it is nested in)."""

    __slots__ = ("parent", "changes")

    def __init__(self, parent: _Snapshot | _WriteTxn) -> None:
        self.parent = parent
        self.changes: dict[str, dict[bytes, Any]] = {}

    def lookup(self, name: str, key: bytes) -> bytes | None:
        changes = self.changes.get(name)
        if changes is not None and key in changes:
            value = changes[key]
            return None if value is _DELETED else value
        return self.parent.lookup(name, key)

    def change(self, name: str, key: bytes, value: Any) -> None:
        self.changes.setdefault(name, {})[key] = value

    def entries(self, name: str, start: bytes | None, stop: bytes | None,
                reverse: bool) -> Entries:
        below = self.parent.entries(name, start, stop, reverse)
        changes = self.changes.get(name)
        if not changes:
            return below
        mine = sorted(((key, value) for key, value in changes.items()
                       if (start is None or key >= start) and (stop is None or key < stop)),
                      reverse=reverse)
        return _merged(below, mine, reverse)

    def merge_into_parent(self) -> None:
        for name, changes in self.changes.items():
            self.parent.changes.setdefault(name, {}).update(changes)


def _merged(below: Entries, mine: list[tuple[bytes, Any]], reverse: bool) -> Entries:
    """`below` with the overlay `mine` applied (both in range order)."""
    ahead = next(below, None)
    for key, value in mine:
        while ahead is not None and (ahead[0] > key if reverse else ahead[0] < key):
            yield ahead
            ahead = next(below, None)
        if ahead is not None and ahead[0] == key:
            ahead = next(below, None)
        if value is not _DELETED:
            yield key, value
    while ahead is not None:
        yield ahead
        ahead = next(below, None)


def _keyspace(name: str) -> Keyspace:
    def get(txn: _Snapshot | _WriteTxn, key: bytes) -> bytes | None:
        return txn.lookup(name, key)

    def put(txn: _WriteTxn, key: bytes, value: bytes) -> None:
        txn.change(name, key, value)

    def delete(txn: _WriteTxn, key: bytes) -> bool:
        if txn.lookup(name, key) is None:
            return False
        txn.change(name, key, _DELETED)
        return True

    def range_(txn: _Snapshot | _WriteTxn, start: bytes | None = None, stop: bytes | None = None,
               reverse: bool = False) -> Entries:
        return txn.entries(name, start, stop, reverse)

    return Keyspace(name, get, put, delete, range_)


def _attempts(parent: _Snapshot | _WriteTxn, work: Callable[[WriteContext], Any]
              ) -> tuple[Any, _WriteTxn, WriteContext]:
    """Run `work` in a fresh transaction over `parent`, again on Conflict."""
    attempt = 1
    while True:
        txn = _WriteTxn(parent)
        ctx = WriteContext(txn)
        try:
            return work(ctx), txn, ctx
        except Conflict:
            if attempt == WRITE_ATTEMPTS:
                raise
            attempt += 1


class _Held(threading.local):
    txn: _WriteTxn | None = None  # the open transaction, from the first held write
    holding = False
    done: list[WriteContext] = []


class MemoryStore(Store):
    """Keyspaces in this process's memory, with snapshots and one writer."""

    def __init__(self) -> None:
        # files beside the data (unpacked Lambda code) go here
        self._tempdir = tempfile.TemporaryDirectory(prefix="dynalite-memory-")
        self.path = self._tempdir.name
        self._committed = {name: _Version(SortedDict(), 0) for name in KEYSPACES}
        self._version = 0  # commits so far: a snapshot's version
        self._open: dict[int, int] = {}  # open snapshots by the version they see
        self._keyspaces = {name: _keyspace(name) for name in KEYSPACES}
        self._stats = self._keyspaces["stats"]
        self._state_lock = threading.Lock()  # opening snapshots and commits
        self._write_lock = threading.Lock()  # one writer at a time
        self._snapshots = threading.local()  # per-thread stale snapshots
        self._held = _Held()
        self.after_stream_commit: list[Callable[[], None]] = []

    def keyspace(self, name: str) -> Keyspace:
        return self._keyspaces[name]

    def snapshot_version(self, snapshot: _Snapshot) -> int:
        return snapshot.version

    # Reading ----------------------------------------------------------------
    def read(self, max_age: float = 0.0):
        if max_age <= 0:
            return self._snapshot()
        current = getattr(self._snapshots, "current", None)
        now = time.monotonic()
        if current is None or now - current[1] > max_age:
            if current is not None:
                self._close_snapshot(current[0].version)
            current = (self._snapshot(), now)
            self._snapshots.current = current
        return Borrowed(current[0])

    def _snapshot(self) -> _Snapshot:
        with self._state_lock:
            version = self._version
            self._open[version] = self._open.get(version, 0) + 1
            return _Snapshot(self, self._committed, version)

    def _close_snapshot(self, version: int) -> None:
        with self._state_lock:
            left = self._open[version] - 1
            if left:
                self._open[version] = left
            else:
                del self._open[version]

    # Writing ----------------------------------------------------------------
    def write(self, work: Callable[[WriteContext], Any]) -> Any:
        held = self._held
        if held.holding:
            return self._write_held(held, work)
        with self._write_lock:
            result, txn, ctx = _attempts(self._base(), work)
            apply_stats(self._stats, txn, ctx.stats)
            self._commit(txn)
        if ctx.streamed:
            self._tell_listeners()
        return result

    def _base(self) -> _Snapshot:
        """The committed data, as a write transaction's parent (not counted
        open: no commit can happen while the writer holds the write lock)."""
        return _Snapshot(self, self._committed, self._version)

    def _commit(self, txn: _WriteTxn) -> None:
        with self._state_lock:
            committed = dict(self._committed)
            newest_open = max(self._open, default=-1)
            for name, changes in txn.changes.items():
                version = committed[name]
                if newest_open >= version.since:  # a snapshot sees it: change a copy
                    version = committed[name] = _Version(version.data.copy(),
                                                         self._version + 1)
                data = version.data
                for key, value in changes.items():
                    if value is _DELETED:
                        data.pop(key, None)
                    else:
                        data[key] = value
            self._committed = committed
            self._version += 1

    def hold_commits(self) -> None:
        self._held.holding = True

    def _write_held(self, held: _Held, work: Callable[[WriteContext], Any]) -> Any:
        if held.txn is None:
            self._write_lock.acquire()
            held.txn, held.done = _WriteTxn(self._base()), []
        result, nested, ctx = _attempts(held.txn, work)
        nested.merge_into_parent()
        held.done.append(ctx)
        return result

    def release_commits(self) -> BaseException | None:
        held = self._held
        txn, done, held.txn, held.holding = held.txn, held.done, None, False
        if txn is None:
            return None
        try:
            if done:
                apply_stats(self._stats, txn, merged_stats(done))
                self._commit(txn)
        except BaseException as error:
            return error
        finally:
            self._write_lock.release()
        if any(ctx.streamed for ctx in done):
            self._tell_listeners()
        return None

    def _tell_listeners(self) -> None:
        for listener in self.after_stream_commit:
            listener()

    def close(self) -> None:
        self._tempdir.cleanup()

"""The storage contract every backend implements, and what it means.

A store holds ordered byte keys in named keyspaces (KEYSPACES). The engine
reaches it through repositories (storage/*.py beside this module), which
bind a keyspace's functions once and keep every key layout; only a backend
(storage/<backend>/) knows its database engine.

Handles. A *snapshot* (from `Store.read`) and a *write transaction* (the
`txn` of the WriteContext `Store.write` hands its work) are opaque to
everyone but their backend: repositories pass them to a keyspace's
functions and never call them.

Isolation.
  * A snapshot sees the store as of one moment: every write committed before
    it began, none committed after, however long it stays open.
  * A write transaction sees its own writes, and is serializable against
    every other write transaction (one process or several sharing the store).
  * A backend may find, at any point of a write or at its commit, that it
    conflicts with a concurrent one. It then discards everything the attempt
    wrote and runs the work again in a fresh transaction, up to a bound; past
    the bound `write` raises Conflict. Work may raise Conflict itself (it
    found that it raced), with the same effect. So every function that plans
    a write is safe to run twice: it may read and compute, but everything
    it changes outside its transaction must be idempotent.

Ranges. `Keyspace.range(txn, start, stop, reverse)` yields (key, value) for
start <= key < stop (None: unbounded) in byte order, descending when reverse.
In a write transaction it includes the writes the transaction made before
the range began; whether it sees writes made while it is iterated is the
backend's business, so do not write to a keyspace while a range over it is
still being iterated (collect the keys, then write).
"""
from __future__ import annotations

import abc
from typing import Any, Callable, Iterator, TypeVar

from .codec import pack, unpack

T = TypeVar("T")
Handle = Any  # a snapshot or write transaction; only its backend looks inside

# every keyspace a store holds (the LMDB backend's named databases)
KEYSPACES = ("meta", "catalog", "items", "stats", "indexes", "streams", "ttl", "lambda",
             "checkpoints", "queues", "backups", "history")
# how many times a conflicting write runs before Conflict reaches the caller
WRITE_ATTEMPTS = 8
_LEASE_PREFIX = b"lease:"


class Conflict(Exception):
    """A write transaction lost to a concurrent one. Store.write retries its
    work; this reaches the caller only once the retries are used up."""


class Keyspace:
    """One keyspace's functions, bound once by a repository.

    get(txn, key) -> bytes | None     the value under key, as of txn
    put(txn, key, value) -> None      in a write transaction only
    delete(txn, key) -> bool          whether there was a value to delete
    range(txn, start, stop, reverse)  see the module docstring

    A backend builds each function as directly as its engine allows (the
    LMDB backend's item functions are py-lmdb's own methods): calls on the
    hot path go straight to the engine.
    """

    __slots__ = ("name", "get", "put", "delete", "range")

    def __init__(self, name: str, get: Callable[[Handle, bytes], bytes | None],
                 put: Callable[[Handle, bytes, bytes], None],
                 delete: Callable[[Handle, bytes], bool],
                 range: Callable[..., Iterator[tuple[bytes, bytes]]]) -> None:
        self.name = name
        self.get = get
        self.put = put
        self.delete = delete
        self.range = range

    def prefixed(self, txn: Handle, prefix: bytes, reverse: bool = False
                 ) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) of every key starting with prefix."""
        return self.range(txn, prefix, prefix_end(prefix), reverse)


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest key greater than every key starting with prefix (None:
    there is none, the prefix is all 0xff)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


class Borrowed:
    """A snapshot lent to one read (Store.read with max_age): leaving the
    block keeps it open for the next."""

    __slots__ = ("snapshot",)

    def __init__(self, snapshot: Handle) -> None:
        self.snapshot = snapshot

    def __enter__(self) -> Handle:
        return self.snapshot

    def __exit__(self, *_exc) -> None:
        return None


class WriteContext:
    """What one write's work sees: its transaction and the changes it makes
    to table statistics (applied once at commit, many writes' together)."""

    __slots__ = ("txn", "stats", "index_units", "vector_bytes", "streamed")

    def __init__(self, txn: Handle) -> None:
        self.txn = txn
        self.stats: dict[bytes, list[int]] = {}
        # write units spent on secondary indexes by this write, by index name
        self.index_units: dict[str, float] = {}
        # vector bytes written to vector indexes by this write, by index name
        self.vector_bytes: dict[str, int] = {}
        self.streamed = False  # the commit wakes Store.after_stream_commit listeners

    def count_item(self, table_id: bytes, count_delta: int, size_delta: int) -> None:
        delta = self.stats.get(table_id)
        if delta is None:
            self.stats[table_id] = [count_delta, size_delta]
        else:
            delta[0] += count_delta
            delta[1] += size_delta


class Store(abc.ABC):
    """A backend: keyspaces, snapshots, retried write transactions, a durable
    counter, leases and a commit notifier."""

    path: str  # where the backend keeps files beside its data (Lambda code)
    # across a network (PostgreSQL): every call waits for round trips, so a
    # server runs requests in threads, not on its event loop, and does not
    # hold writes (a conflict would undo every write held with it)
    remote = False
    # called after every commit in which a write set ctx.streamed: a wake-up
    # for readers waiting on new stream records (the trigger bridge)
    after_stream_commit: list[Callable[[], None]]

    @property
    def kind(self) -> str:
        """The backend's name, its package under storage/ ("lmdb", "memory",
        "postgres")."""
        return type(self).__module__.split(".")[-2]

    def answers(self) -> bool:
        """Whether the store serves calls now (a remote one: its database
        answers); the health check's verdict."""
        return True

    @abc.abstractmethod
    def keyspace(self, name: str) -> Keyspace:
        """The functions of the keyspace `name` (one of KEYSPACES)."""

    @abc.abstractmethod
    def read(self, max_age: float = 0.0):
        """A snapshot, as a context manager. With max_age > 0 the backend may
        lend this thread's snapshot again while it is at most max_age seconds
        old (eventually consistent reads): it may miss writes made since,
        never older ones."""

    def read_eventually(self, max_age: float):
        """A snapshot for an eventually consistent read: `read(max_age)`, or
        one of a read replica where the backend has them (it may miss any
        recent write, as DynamoDB's eventually consistent reads may)."""
        return self.read(max_age)

    @abc.abstractmethod
    def snapshot_version(self, snapshot: Handle) -> object:
        """A value such that two snapshots with equal values see the same
        data (a cache checked against one snapshot holds for the other).
        Not for write transactions."""

    @abc.abstractmethod
    def write(self, work: Callable[[WriteContext], T]) -> T:
        """Run `work` in a write transaction and return its result once the
        transaction is committed durably (as the backend's durability mode
        defines). An exception from `work` undoes everything it wrote and
        reaches the caller; a Conflict runs it again (module docstring)."""

    @abc.abstractmethod
    def hold_commits(self) -> None:
        """Until `release_commits`, this thread's writes run at once and return
        their results, but commit (and so may be acknowledged) only at the
        release, all together; a failed one undoes only itself."""

    @abc.abstractmethod
    def release_commits(self) -> BaseException | None:
        """Commit what was held; the error that undid it all, else None."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store; its handles may not be used afterwards."""

    # Counters and leases: defined over the meta keyspace, so that every
    # backend has them; a backend may override them with its engine's own.
    def next_value(self, txn: Handle, name: bytes) -> int:
        """Increment the durable counter `name` in a write transaction and
        return its new value (1 the first time). Rolled back with the
        transaction, so a retried write takes the same number."""
        meta = self.keyspace("meta")
        current = meta.get(txn, name)
        value = int(current) + 1 if current else 1
        meta.put(txn, name, str(value).encode())
        return value

    def acquire_lease(self, name: str, owner: str, duration: float, now: float,
                      dead_holder: str | None = None) -> bool:
        """Take or renew the lease `name` for `owner` until now + duration;
        False while another owner holds it unexpired. A job runs while its
        holder keeps renewing; when the holder dies the lease expires and
        another owner takes it over, at once if the caller knows the holder
        is dead and names it as `dead_holder`."""
        meta, key = self.keyspace("meta"), _LEASE_PREFIX + name.encode()

        def take(ctx: WriteContext) -> bool:
            raw = meta.get(ctx.txn, key)
            if raw is not None:
                holder, expires = unpack(raw)
                if holder not in (owner, dead_holder) and expires > now:
                    return False
            meta.put(ctx.txn, key, pack([owner, now + duration]))
            return True
        return self.write(take)

    def lease_holder(self, name: str, now: float) -> str | None:
        """Who holds the lease `name` unexpired at `now`, as of a snapshot
        (a check that costs no write)."""
        with self.read() as snapshot:
            raw = self.keyspace("meta").get(snapshot, _LEASE_PREFIX + name.encode())
        if raw is None:
            return None
        holder, expires = unpack(raw)
        return holder if expires > now else None

    def release_lease(self, name: str, owner: str) -> None:
        """Give the lease up at once (a no-op unless `owner` holds it)."""
        meta, key = self.keyspace("meta"), _LEASE_PREFIX + name.encode()

        def give_up(ctx: WriteContext) -> None:
            raw = meta.get(ctx.txn, key)
            if raw is not None and unpack(raw)[0] == owner:
                meta.delete(ctx.txn, key)
        self.write(give_up)


def merged_stats(done: list[WriteContext]) -> dict[bytes, list[int]]:
    """The item count and size changes of several writes, added up."""
    if len(done) == 1:
        return done[0].stats
    stats: dict[bytes, list[int]] = {}
    for ctx in done:
        for table_id, (count, size) in ctx.stats.items():
            total = stats.setdefault(table_id, [0, 0])
            total[0] += count
            total[1] += size
    return stats


def apply_stats(stats_space: Keyspace, txn: Handle, stats: dict[bytes, list[int]]) -> None:
    """Add item count and size changes (WriteContext.stats) to the stored
    [count, bytes] pairs, at commit: a backend's last step of every write."""
    for table_id, (count, size) in stats.items():
        if count == 0 and size == 0:
            continue
        current = stats_space.get(txn, table_id)
        item_count, size_bytes = unpack(current) if current else (0, 0)
        stats_space.put(txn, table_id, pack([item_count + count, size_bytes + size]))

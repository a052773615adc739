"""Namespaces (account, region) in one store: the registry that numbers
them, and the scoped view of the store a namespace's repositories use.

The default namespace (the engine's configured account and region) keeps
every key exactly as stores wrote it before namespaces existed. Another
namespace's keys carry a prefix, NAMESPACE_MARK + its number (4 bytes), in
the keyspaces that hold names (tables, functions, queues, streams, leases'
companions...). Keyspaces keyed by engine-wide numbers (a table's or an
index's id, taken from counters every namespace shares) are not prefixed:
items and index entries keep their full 511-byte key budget.

No key of the default namespace starts with NAMESPACE_MARK (names are
ASCII, ids are small big-endian numbers); the one repository that ranges
over a whole keyspace (the catalog) stops before it.

    meta  b"namespace:" + account + b"/" + region  ->  its number (decimal)
"""
from __future__ import annotations

import os
from typing import Callable, Iterator, TypeVar

from .interface import Handle, Keyspace, Store, WriteContext, prefix_end

T = TypeVar("T")

NAMESPACE_MARK = b"\xff"
_REGISTRY_PREFIX = b"namespace:"
_NAMESPACE_NUMBERS = b"next_namespace_number"
# keyspaces keyed by engine-wide ids: shared, unprefixed
SHARED_KEYSPACES = frozenset(("items", "indexes", "stats", "history"))


def _registry_key(account_id: str, region: str) -> bytes:
    return _REGISTRY_PREFIX + f"{account_id}/{region}".encode()


class NamespaceRegistry:
    """The numbers of the namespaces that have been used, in the root meta."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._meta = store.keyspace("meta")

    def number(self, account_id: str, region: str) -> int:
        """The namespace's number, given it on first use."""
        key = _registry_key(account_id, region)
        with self._store.read() as snapshot:
            raw = self._meta.get(snapshot, key)
        if raw is not None:
            return int(raw)

        def register(ctx: WriteContext) -> int:
            raw = self._meta.get(ctx.txn, key)
            if raw is not None:
                return int(raw)
            number = self._store.next_value(ctx.txn, _NAMESPACE_NUMBERS)
            self._meta.put(ctx.txn, key, str(number).encode())
            return number
        return self._store.write(register)

    def known(self) -> list[tuple[str, str]]:
        """(account id, region) of every registered namespace."""
        with self._store.read() as snapshot:
            keys = [key for key, _ in self._meta.prefixed(snapshot, _REGISTRY_PREFIX)]
        return [tuple(key[len(_REGISTRY_PREFIX):].decode().split("/", 1)) for key in keys]


def _prefixed_keyspace(space: Keyspace, prefix: bytes) -> Keyspace:
    """`space` seen through `prefix`: keys in and out are the namespace's own."""
    cut = len(prefix)
    get, put, delete, ranged = space.get, space.put, space.delete, space.range

    def range_(txn: Handle, start: bytes | None = None, stop: bytes | None = None,
               reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        low = prefix + (start or b"")
        high = prefix + stop if stop is not None else prefix_end(prefix)
        for key, value in ranged(txn, low, high, reverse):
            yield key[cut:], value

    return Keyspace(space.name, lambda txn, key: get(txn, prefix + key),
                    lambda txn, key, value: put(txn, prefix + key, value),
                    lambda txn, key: delete(txn, prefix + key), range_)


class NamespacedStore(Store):
    """A namespace's view of a shared store: the same snapshots, writes,
    counters and commit notifier, with its own keys and leases. Closing it
    leaves the shared store open."""

    def __init__(self, inner: Store, number: int) -> None:
        self.inner = inner
        self.prefix = NAMESPACE_MARK + number.to_bytes(4, "big")
        self.remote = inner.remote
        self.after_stream_commit = inner.after_stream_commit
        # files beside the data (Lambda code): a directory per namespace
        self.path = os.path.join(inner.path, "namespaces", str(number))
        self._spaces: dict[str, Keyspace] = {}
        self._lease_prefix = f"namespace-{number}:"

    @property
    def kind(self) -> str:
        return self.inner.kind

    def answers(self) -> bool:
        return self.inner.answers()

    def keyspace(self, name: str) -> Keyspace:
        space = self._spaces.get(name)
        if space is None:
            space = self.inner.keyspace(name)
            if name not in SHARED_KEYSPACES:
                space = _prefixed_keyspace(space, self.prefix)
            self._spaces[name] = space
        return space

    def read(self, max_age: float = 0.0):
        return self.inner.read(max_age)

    def read_eventually(self, max_age: float):
        return self.inner.read_eventually(max_age)

    def snapshot_version(self, snapshot: Handle) -> object:
        return self.inner.snapshot_version(snapshot)

    def write(self, work: Callable[[WriteContext], T]) -> T:
        return self.inner.write(work)

    def hold_commits(self) -> None:
        self.inner.hold_commits()

    def release_commits(self) -> BaseException | None:
        return self.inner.release_commits()

    def close(self) -> None:
        """The shared store stays open (its owner closes it)."""

    # counters are engine-wide (ids of tables, streams, indexes are unique in
    # the store, so the unprefixed keyspaces never mix namespaces)
    def next_value(self, txn: Handle, name: bytes) -> int:
        return self.inner.next_value(txn, name)

    def acquire_lease(self, name: str, owner: str, duration: float, now: float,
                      dead_holder: str | None = None) -> bool:
        return self.inner.acquire_lease(self._lease_prefix + name, owner, duration, now,
                                        dead_holder)

    def lease_holder(self, name: str, now: float) -> str | None:
        return self.inner.lease_holder(self._lease_prefix + name, now)

    def release_lease(self, name: str, owner: str) -> None:
        self.inner.release_lease(self._lease_prefix + name, owner)

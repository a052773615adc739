"""Storage: one small interface (interface.py), the repositories the engine
reads and writes through, and the backends behind them (lmdb/, memory/,
postgres/).

`open_store` picks the backend from a location: ":memory:" is the memory
backend, a postgresql:// (or postgres://) URL the PostgreSQL backend,
anything else (or None: a temporary directory) an LMDB data directory. A
backend is imported only when chosen.
"""
from __future__ import annotations

import re

from .interface import Store

MEMORY = ":memory:"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class StoreUnavailable(RuntimeError):
    """The store cannot be opened (a database that cannot be reached, a
    driver that is not installed): `serve` prints it and exits."""


def is_postgres_url(location: str | None) -> bool:
    return location is not None and location.startswith(POSTGRES_SCHEMES)


def without_password(url: str) -> str:
    """A database URL fit to print or log: its password masked."""
    return re.sub(r"(//[^:/@]*):[^@]*@", r"\1:***@", url)


def open_store(location: str | None, durability: str = "process",
               map_size: int | None = None, connections: int = 20,
               replicas: tuple[str, ...] = (), replica_max_lag: float = 5.0) -> Store:
    """The store at `location`: MEMORY, a PostgreSQL URL (at most
    `connections` connections per server, eventually consistent reads from
    `replicas` while they lag at most replica_max_lag seconds), an LMDB
    directory, or None (a temporary LMDB directory)."""
    if replicas and not is_postgres_url(location):
        raise StoreUnavailable("read replicas need a postgresql:// store")
    if any(not is_postgres_url(replica) for replica in replicas):
        raise StoreUnavailable("a read replica is a postgresql:// URL")
    if location == MEMORY:
        from .memory import MemoryStore
        return MemoryStore()
    if is_postgres_url(location):
        return _postgres(location, connections, replicas, replica_max_lag)
    from .lmdb import LmdbStore
    if map_size is None:
        return LmdbStore(location, durability)
    return LmdbStore(location, durability, map_size)


def _postgres(url: str, connections: int, replicas: tuple[str, ...],
              replica_max_lag: float) -> Store:
    try:
        from .postgres import PostgresStore
    except ImportError as error:  # psycopg is an optional extra
        raise StoreUnavailable("a postgresql:// store needs psycopg: "
                           "pip install 'dynalite-py[postgres]'") from error
    return PostgresStore(url, connections, replicas, replica_max_lag)

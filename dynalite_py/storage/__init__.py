"""Storage: one small interface (interface.py), the repositories the engine
reads and writes through, and the backends behind them (lmdb/, memory/).

`open_store` picks the backend from a location: ":memory:" is the memory
backend, anything else (or None: a temporary directory) an LMDB data
directory. A backend is imported only when chosen.
"""
from __future__ import annotations

from .interface import Store

MEMORY = ":memory:"


def open_store(location: str | None, durability: str = "process",
               map_size: int | None = None) -> Store:
    """The store at `location`: MEMORY, an LMDB directory, or None (a
    temporary LMDB directory)."""
    if location == MEMORY:
        from .memory import MemoryStore
        return MemoryStore()
    from .lmdb import LmdbStore
    if map_size is None:
        return LmdbStore(location, durability)
    return LmdbStore(location, durability, map_size)

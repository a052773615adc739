"""The memory backend: in-process, sortedcontainers, one process."""
from .store import MemoryStore

__all__ = ["MemoryStore"]

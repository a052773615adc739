"""The LMDB backend (the embedded default): the only package that imports lmdb."""
from .store import DURABILITY_MODES, LmdbStore

__all__ = ["DURABILITY_MODES", "LmdbStore"]

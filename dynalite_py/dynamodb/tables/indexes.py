"""Secondary index entries: their keys, projections, and upkeep on writes.

An index entry (storage/indexes.py) is keyed as model/keys.py lays out
(index id | hash of the index partition key | index sort component |
tiebreak) and holds its size, the item's table key and the projected item.
A global index may key on up to four HASH and four RANGE attributes
(multi-attribute keys): the partition is the tuple of HASH values and
entries sort by the RANGE values left to right; one attribute each keys
exactly as before. An item lacking any index key attribute has no entry
(sparse indexes).
`update_entries` runs inside the item's write transaction, so an item and
its index entries always agree.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...model.keys import composite_sort_bytes, index_entry_key, table_id_bytes
from ...model.values import item_size
from ...storage.indexes import IndexEntries
from ...storage.interface import WriteContext
from ...storage.items import index_counts_key
from ..capacity import write_units


@dataclass(frozen=True)
class Index:
    """A secondary index of a table, with what maintenance needs."""

    name: str
    id: bytes
    is_global: bool
    hash_names: tuple[str, ...]  # in key schema order
    range_names: tuple[str, ...]
    projection_type: str
    non_key_attributes: frozenset[str]
    key_names: frozenset[str]  # table and index key attributes, always projected

    @classmethod
    def from_definition(cls, definition: dict, is_global: bool,
                        table_key_names: tuple[str, ...]) -> "Index":
        schema = definition["KeySchema"]
        projection = definition["Projection"]
        return cls(name=definition["IndexName"], id=table_id_bytes(definition["number"]),
                   is_global=is_global,
                   hash_names=tuple(k["AttributeName"] for k in schema if k["KeyType"] == "HASH"),
                   range_names=tuple(k["AttributeName"] for k in schema
                                     if k["KeyType"] == "RANGE"),
                   projection_type=projection.get("ProjectionType", "ALL"),
                   non_key_attributes=frozenset(projection.get("NonKeyAttributes", ())),
                   key_names=frozenset(table_key_names) | frozenset(
                       k["AttributeName"] for k in schema))

    @property
    def hash_name(self) -> str:
        """The HASH attribute of a single-attribute partition key."""
        return self.hash_names[0]

    @property
    def range_name(self) -> str | None:
        """The RANGE attribute of a single-attribute sort key, if any."""
        return self.range_names[-1] if self.range_names else None

    @property
    def is_multi_attribute(self) -> bool:
        return len(self.hash_names) > 1 or len(self.range_names) > 1

    @property
    def index_key_names(self) -> tuple[str, ...]:
        """The index's own key attributes, HASH then RANGE, in schema order."""
        return self.hash_names + self.range_names

    def entry_key(self, item: dict, table_key: bytes) -> bytes | None:
        """The entry's key, or None when the item is not in this index."""
        try:
            hash_values = [item[name] for name in self.hash_names]
            range_values = [item[name] for name in self.range_names]
        except KeyError:
            return None
        return index_entry_key(self.id, hash_values, range_values, table_key)

    def sort_bytes(self, item: dict) -> bytes:
        """The ordered bytes of an entry's whole sort key (its RANGE values)."""
        return composite_sort_bytes([item[name] for name in self.range_names])

    def project(self, item: dict) -> dict:
        if self.projection_type == "ALL":
            return item
        wanted = self.key_names if self.projection_type == "KEYS_ONLY" else (
            self.key_names | self.non_key_attributes)
        return {name: value for name, value in item.items() if name in wanted}


def update_entries(ctx: WriteContext, entries: IndexEntries, indexes: tuple[Index, ...],
                   table_key: bytes, old: dict | None, new: dict | None) -> None:
    """Bring every index entry of one item in line with its new state, and
    count the index writes in ctx.index_units (each entry written or deleted
    costs its size rounded up to 1 KB)."""
    for index in indexes:
        old_key = index.entry_key(old, table_key) if old is not None else None
        new_key = index.entry_key(new, table_key) if new is not None else None
        if old_key is not None and old_key != new_key:
            _delete_entry(ctx, entries, index, old_key)
        if new_key is not None:
            projected = index.project(new)
            if old_key == new_key and index.project(old) == projected:
                continue  # nothing the index shows has changed
            _put_entry(ctx, entries, index, new_key, table_key, projected, old_key == new_key)


def add_entry(ctx: WriteContext, entries: IndexEntries, index: Index, key: bytes, table_key: bytes,
              projected: dict) -> None:
    """Write a new entry (an index backfill adding what writes have not)."""
    _put_entry(ctx, entries, index, key, table_key, projected, False)


def _put_entry(ctx: WriteContext, entries: IndexEntries, index: Index, key: bytes, table_key: bytes,
               projected: dict, replaces: bool) -> None:
    size = item_size(projected)
    old_size = entries.size(ctx.txn, key) if replaces else 0
    entries.put(ctx.txn, key, size, table_key, projected)
    ctx.count_item(index_counts_key(index.id), 0 if replaces else 1, size - old_size)
    _charge(ctx, index, size)


def _delete_entry(ctx: WriteContext, entries: IndexEntries, index: Index, key: bytes) -> None:
    size = entries.size(ctx.txn, key)
    if size is None:
        return
    entries.delete(ctx.txn, key)
    ctx.count_item(index_counts_key(index.id), -1, -size)
    _charge(ctx, index, size)


def _charge(ctx: WriteContext, index: Index, size: int) -> None:
    ctx.index_units[index.name] = ctx.index_units.get(index.name, 0.0) + write_units(size)

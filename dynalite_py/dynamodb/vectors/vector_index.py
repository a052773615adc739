"""A table's vector index and the upkeep of its entries on item writes.

An item is in a vector index when its vector attribute is a list (L) of
exactly Dimensions numbers and, if the SearchSchema has a HASH attribute,
that attribute is present with its declared type. Any other item is left
out (storage/vectors.py keeps the entries). `update_vector_entries` runs
inside the item's write transaction, so an item and its vector entries
always agree, on every backend and every server sharing the store.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass

from ...model.keys import table_id_bytes
from ...model.values import item_size
from ...storage.interface import WriteContext
from ...storage.items import index_counts_key
from ...storage.vectors import VectorEntries, VectorEntry, vector_entry_key

DISTANCES = ("COSINE", "EUCLIDEAN", "DOT_PRODUCT")


@dataclass(frozen=True)
class VectorIndex:
    """A vector index of a table, with what upkeep and search need."""

    name: str
    id: bytes
    vector_name: str
    dimensions: int
    distance: str
    hash_name: str | None
    filter_names: tuple[str, ...]  # INLINE_FILTER attributes
    attribute_types: tuple[tuple[str, str], ...]  # of the search-schema attributes
    projection_type: str
    non_key_attributes: frozenset[str]
    key_names: frozenset[str]  # table keys and search-schema attributes, always projected

    @classmethod
    def from_definition(cls, definition: dict, table_key_names: tuple[str, ...],
                        attribute_types: dict[str, str]) -> "VectorIndex":
        schema = definition.get("SearchSchema", [])
        hash_names = [e["AttributeName"] for e in schema if e["SearchSchemaElementType"] == "HASH"]
        filters = tuple(e["AttributeName"] for e in schema
                        if e["SearchSchemaElementType"] == "INLINE_FILTER")
        projection = definition["Projection"]
        searched = tuple(hash_names) + filters
        return cls(name=definition["IndexName"], id=table_id_bytes(definition["number"]),
                   vector_name=definition["VectorAttribute"]["AttributeName"],
                   dimensions=int(definition["Dimensions"]),
                   distance=definition["DistanceFunction"],
                   hash_name=hash_names[0] if hash_names else None, filter_names=filters,
                   attribute_types=tuple((name, attribute_types.get(name, "S"))
                                         for name in searched),
                   projection_type=projection.get("ProjectionType", "ALL"),
                   non_key_attributes=frozenset(projection.get("NonKeyAttributes", ())),
                   key_names=frozenset(table_key_names) | frozenset(searched))

    @property
    def searchable_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.attribute_types)

    def vector_of(self, item: dict) -> bytes | None:
        """The item's vector as float32 bytes; None when it is missing, not a
        list of numbers, or of another length than Dimensions."""
        value = item.get(self.vector_name)
        elements = value.get("L") if value is not None else None
        if elements is None or len(elements) != self.dimensions:
            return None
        try:
            return array("f", [float(element["N"]) for element in elements]).tobytes()
        except (KeyError, TypeError, ValueError, OverflowError):
            return None

    def partition_of(self, item: dict) -> list[dict] | None:
        """The item's search partition ([] without a HASH attribute); None
        when its HASH attribute is missing or of another type."""
        if self.hash_name is None:
            return []
        value = item.get(self.hash_name)
        if value is None or next(iter(value)) != dict(self.attribute_types)[self.hash_name]:
            return None
        return [value]

    def entry_key(self, item: dict, table_key: bytes) -> bytes | None:
        """The entry's key, or None when the item is not in this index."""
        partition = self.partition_of(item)
        if partition is None or self.vector_of(item) is None:
            return None
        return vector_entry_key(self.id, partition, table_key)

    def project(self, item: dict) -> dict:
        if self.projection_type == "ALL":
            return item
        wanted = self.key_names if self.projection_type == "KEYS_ONLY" else (
            self.key_names | self.non_key_attributes)
        return {name: value for name, value in item.items() if name in wanted}

    def entry(self, item: dict, table_key: bytes) -> VectorEntry:
        projected = self.project(item)
        searched = {name: item[name] for name in self.searchable_names if name in item}
        return VectorEntry.of(item_size(projected), table_key, self.vector_of(item), searched,
                              projected)


def update_vector_entries(ctx: WriteContext, entries: VectorEntries,
                          indexes: tuple[VectorIndex, ...], table_key: bytes,
                          old: dict | None, new: dict | None) -> None:
    """Bring every vector entry of one item in line with its new state."""
    for index in indexes:
        old_key = index.entry_key(old, table_key) if old is not None else None
        new_key = index.entry_key(new, table_key) if new is not None else None
        if old_key is not None and old_key != new_key:
            delete_vector_entry(ctx, entries, index, old_key)
        if new_key is None:
            continue
        if old_key == new_key and index.project(old) == index.project(new):
            continue  # nothing the index holds has changed
        put_vector_entry(ctx, entries, index, new_key, index.entry(new, table_key))


def put_vector_entry(ctx: WriteContext, entries: VectorEntries, index: VectorIndex, key: bytes,
                     entry: VectorEntry) -> None:
    old_size = entries.size(ctx.txn, key)
    entries.put(ctx.txn, index.id, key, entry)
    ctx.vector_bytes[index.name] = ctx.vector_bytes.get(index.name, 0) + write_bytes(index, entry)
    # an int, not a bool: PostgreSQL's counts column takes no boolean
    ctx.count_item(index_counts_key(index.id), 0 if old_size is not None else 1,
                   entry.size - (old_size or 0))


def write_bytes(index: VectorIndex, entry: VectorEntry) -> int:
    """VectorWriteRequestBytes of one entry written: its vector data and
    projected item (AWS documents no formula; this mirrors search_bytes)."""
    return index.dimensions * 4 + entry.size


def delete_vector_entry(ctx: WriteContext, entries: VectorEntries, index: VectorIndex,
                        key: bytes) -> None:
    size = entries.size(ctx.txn, key)
    if size is None:
        return
    entries.delete(ctx.txn, index.id, key)
    ctx.count_item(index_counts_key(index.id), -1, -size)

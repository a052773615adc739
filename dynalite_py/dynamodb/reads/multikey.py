"""Query on a global index with a multi-attribute key (up to four HASH and
four RANGE attributes).

The key condition fixes every HASH attribute with equality; the RANGE
attributes are used left to right without a gap, with equality on all but
the last one named, which may carry one comparison (<, <=, >, >=, BETWEEN,
begins_with). The clauses may come in any order. The read is one partition
(the tuple of HASH values) in the order of the RANGE values: it starts at
the entries of the equality prefix (a seek) and stops once past what the
condition can match.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import validation_error
from ...model.keys import INDEX_LAYOUT, composite_partition_hash, composite_sort_bytes
from ...storage.interface import prefix_end
from ..tables.indexes import Index
from .keyconditions import (
    Conditions,
    KeyCondition,
    check_key_attribute_condition,
    same_key_value,
)
from .querying import Source

MISSED = "Query condition missed key schema element: {name}"
GAP = ("RANGE key attributes {names} must have equality conditions specified in the query "
       "because a condition is present on key attribute {name}")


@dataclass(frozen=True)
class MultiKeyCondition:
    """Equality on every HASH attribute, and the conditions on the RANGE
    attributes named, left to right: each a KeyCondition whose range part
    tests that one attribute (all EQ but perhaps the last)."""

    hash_names: tuple[str, ...]
    hash_values: tuple[dict, ...]
    ranges: tuple[KeyCondition, ...]

    def matches_hash(self, item: dict) -> bool:
        return all(same_key_value(item.get(name), value)
                   for name, value in zip(self.hash_names, self.hash_values))

    def matches_ranges(self, item: dict) -> bool:
        return all(term.matches_range(item.get(term.range_name)) for term in self.ranges)

    def equal_prefix(self) -> list[dict]:
        """The values of the leading RANGE attributes fixed by equality."""
        values = []
        for term in self.ranges:
            if term.range_operator != "EQ":
                break
            values.append(term.range_values[0])
        return values

    def place(self, item: dict, reverse: bool) -> str:
        """Where an entry of the partition lies for a read in this direction:
        "in" the condition, "before" it (skip) or "past" it (stop). RANGE
        values compare left to right, as the entries are ordered."""
        for term in self.ranges:
            value = item[term.range_name]
            if term.past_end(value, reverse):
                return "past"
            if not term.matches_range(value):
                return "before"
        return "in"


def resolve_multi(conditions: Conditions, index: Index,
                  attribute_types: dict[str, str]) -> MultiKeyCondition:
    """The MultiKeyCondition of `conditions` on a multi-attribute index key."""
    for name in index.hash_names:
        if name not in conditions:
            raise validation_error(MISSED.format(name=name))
        check_key_attribute_condition(conditions[name], attribute_types[name], True)
    if any(name not in index.index_key_names for name in conditions):
        missing = next((name for name in index.range_names if name not in conditions), None)
        if missing is None:
            raise validation_error("Query key condition not supported")
        raise validation_error(MISSED.format(name=missing))
    named = [name for name in index.range_names if name in conditions]
    for name in named:
        check_key_attribute_condition(conditions[name], attribute_types[name], False)
    if named:
        check_range_prefix(conditions, index.range_names, named[-1])
    first_hash = index.hash_names[0]
    hash_value = conditions[first_hash][1][0]
    ranges = tuple(KeyCondition(first_hash, hash_value, name, *conditions[name])
                   for name in named)
    return MultiKeyCondition(index.hash_names,
                             tuple(conditions[name][1][0] for name in index.hash_names), ranges)


def check_range_prefix(conditions: Conditions, range_names: tuple[str, ...], last: str) -> None:
    """Every RANGE attribute before the last one named has an equality."""
    before = range_names[:range_names.index(last)]
    lacking = [name for name in before
               if name not in conditions or conditions[name][0] != "EQ"]
    if lacking:
        raise validation_error(GAP.format(names=", ".join(lacking), name=last))


def check_multi_start(start: dict, condition: MultiKeyCondition) -> None:
    """An ExclusiveStartKey must lie inside what the key condition reads
    (the messages of a single-attribute key, in the same cases)."""
    if condition.ranges:
        if not condition.matches_ranges(start):
            raise validation_error("The provided starting key does not match the range key "
                                   "predicate")
        if not condition.matches_hash(start):
            raise validation_error("The query can return at most one row and cannot be "
                                   "restarted")
    elif not condition.matches_hash(start):
        raise validation_error("The provided starting key is outside query boundaries based on "
                               "provided conditions")


def multi_partition_range(txn, repos, source: Source, condition: MultiKeyCondition,
                          reverse: bool, start: bytes | None):
    """Entries of the queried partition that satisfy the RANGE conditions."""
    index = source.index
    prefix = source.owner_id + composite_partition_hash(list(condition.hash_values))
    if start is None:
        start = equal_prefix_seek(prefix, condition, reverse)
    entries = source.records(repos).partition(
        txn, prefix, lambda entry: index.sort_bytes(source.item_of(entry)), reverse, start)
    for key, entry in entries:
        place = condition.place(source.item_of(entry), reverse)
        if place == "past":
            return
        if place == "in":
            yield key, entry


def equal_prefix_seek(prefix: bytes, condition: MultiKeyCondition, reverse: bool) -> bytes | None:
    """A key to read the partition from (exclusive) so that the read begins
    at the entries of the equality prefix: the prefix's sort bytes, or in
    reverse the first bytes past them. No entry key equals it (entry keys
    end with a tiebreak), and, kept within the inline part of a key, it
    orders every member of a long group alike. None: read from the end."""
    equal = condition.equal_prefix()
    if not equal:
        return None
    raw = composite_sort_bytes(equal)
    if len(raw) > INDEX_LAYOUT.inline_limit:
        return None
    bound = prefix_end(raw) if reverse else raw
    return prefix + bound if bound is not None else None

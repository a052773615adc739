"""Query: one partition of a table or index, in sort-key order, paged.

The read is a range read of one partition (cost grows with the result, not
the table): entries outside the sort-key condition are skipped without
being counted and the read stops once past the condition's end; the page
stops at Limit evaluated entries or 1 MB; capacity is the page's read size
rounded once (querying.respond).
"""
from __future__ import annotations

from ..errors import invalid_parameter, validation_error
from ..indexes import decode_entry
from ..items import decode, key_of, read_item
from ..keyconditions import KeyCondition, from_legacy
from ..model.keys import INDEX_LAYOUT, ITEM_LAYOUT, partition_prefix
from ..model.values import validate_item
from ..projection import check_expression_params
from ..querying import (
    Source,
    admit_read,
    open_source,
    page_items,
    reject_filters,
    respond,
    start_key_bytes,
)
from ..reads import partition_entries, read_page

NAME = "Query"
READ_ONLY = True


def run(engine, request: dict) -> dict:
    check_expression_params(request, ["KeyConditionExpression", "FilterExpression",
                                      "ProjectionExpression"],
                            ["KeyConditions", "QueryFilter", "AttributesToGet"])
    reject_filters(request, ("KeyConditionExpression", "FilterExpression", "QueryFilter"))
    if request.get("KeyConditions") is None:
        raise validation_error("Either the KeyConditions or KeyConditionExpression parameter "
                               "must be specified in the request.")
    for condition in request["KeyConditions"].values():
        for value in condition.get("AttributeValueList") or []:
            validate_item({"value": value})
    source, projection, start = open_source(engine, request)
    table, store = source.table, engine.store
    condition = from_legacy(request["KeyConditions"], source.hash_name, source.range_name)
    check_condition_types(condition, table)
    if start is not None and start.get(condition.hash_name) != condition.hash_value:
        raise validation_error("The provided starting key is outside query boundaries based on "
                               "provided conditions")
    admit_read(engine, source)
    consistent = bool(request.get("ConsistentRead"))
    reverse = request.get("ScanIndexForward") is False
    with store.read(0.0 if consistent else engine.config.consistency_lag) as txn:
        entries = partition_range(txn, store, source, condition, reverse,
                                  start_key_bytes(source, start))
        page = read_page(entries, source.size_of, source.item_of, request.get("Limit"), None)
        items, fetch_units = page_items(request, source, projection, page,
                                        lambda item: fetch(txn, store, table, item), consistent)
    return respond(engine, request, source, page, items, consistent, fetch_units)


def check_condition_types(condition: KeyCondition, table) -> None:
    values = [(condition.hash_name, condition.hash_value)] + [
        (condition.range_name, value) for value in condition.range_values]
    for name, value in values:
        if next(iter(value)) != table.attribute_types[name]:
            raise invalid_parameter("Condition parameter type does not match schema type")


def partition_range(txn, store, source: Source, condition: KeyCondition, reverse: bool,
                    start: bytes | None):
    """Entries of the queried partition that satisfy the sort-key condition."""
    prefix = partition_prefix(source.owner_id, condition.hash_value)
    if source.index is None:
        db, layout, decoder = store.items, ITEM_LAYOUT, decode
    else:
        db, layout, decoder = store.indexes, INDEX_LAYOUT, decode_entry
    range_name = source.range_name
    entries = partition_entries(txn, db, prefix, layout, decoder,
                                lambda entry: source.item_of(entry)[range_name], reverse, start)
    for key, entry in entries:
        if condition.range_name is None:
            yield key, entry
            continue
        value = source.item_of(entry).get(condition.range_name)
        if condition.past_end(value, reverse):
            return
        if condition.matches_range(value):
            yield key, entry


def fetch(txn, store, table, item: dict) -> tuple[dict, int]:
    """The table item behind an index entry, and its size (LSI fetches)."""
    stored = read_item(txn, store, key_of(table, item))
    return (stored.item, stored.size) if stored else ({}, 0)

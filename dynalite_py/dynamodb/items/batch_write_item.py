"""BatchWriteItem: up to 25 puts and deletes across tables.

Every request is validated before anything is written; the admitted writes
then commit together (DynamoDB does not promise atomicity here; one group
commit is simply the cheapest way to apply them). Requests that throttling
refuses come back as UnprocessedItems, not as an error.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import older_wording, validation_error
from ...model.values import (
    KEY_MISMATCH,
    check_item_size,
    validate_index_keys,
    validate_item,
    validate_key,
    validate_written_item,
)
from ...protocol.validation import ShapeRules
from ..capacity import consumed_capacity, write_units
from .items import key_of
from .writes import PlannedWrite, collection_metrics

NAME = "BatchWriteItem"
READ_ONLY = False
# What DynamoDB's BatchWriteItem checks beyond botocore's model (AWS captures
# 2026, us-east-1, and dynalite's declarations): member order in messages;
# the limits botocore puts on the RequestItems map itself do not apply
# (DynamoDB applies 25 to each table's list: "Map value must satisfy
# constraint"); a null WriteRequest is reported by `run`, in DynamoDB's
# words; an echoed PutRequest shows the Java-only workloadProfileName; an
# empty RequestItems map has a message of its own.
SHAPE_RULES = ShapeRules(
    member_order={
        "BatchWriteItemInput": ("ReturnConsumedCapacity", "ReturnItemCollectionMetrics",
                                "RequestItems"),
        "WriteRequest": ("DeleteRequest", "PutRequest")},
    drop_length=frozenset(("BatchWriteItemRequestMap",)),
    null_elements_later=frozenset(("WriteRequest",)),
    hidden_members={"PutRequest": ("workloadProfileName",)},
    empty_map_required="RequestItems")
NULL_WRITES = "The batch write request list for a table cannot be null or empty"


@dataclass
class BatchEntry:
    name: str           # the table name as the request gave it
    request: dict       # the WriteRequest, returned as-is when unprocessed
    plan: PlannedWrite
    size: int           # of the item put (0 for a delete)

    @property
    def provisional_units(self) -> float:
        """Units debited at admission, before the old item's size is known."""
        return write_units(self.size)


@older_wording()  # BatchWriteItem, the transactions and Scan check values in the older layer
def run(engine, request: dict) -> dict:
    request_items = request["RequestItems"]
    for name, writes in request_items.items():
        if writes is None:  # this and the null request's wording: DynamoDB Local's InputConverter
            raise validation_error(f"{NULL_WRITES}: {name}")
        for write in writes:
            if write is None:
                raise validation_error(NULL_WRITES)
            check_write_request(write)
    store, catalog = engine.store, engine.catalog
    with store.read() as txn:
        tables = {name: catalog.active(txn, name) for name in request_items}
    planned = plan_writes(request_items, tables)
    admitted, unprocessed = admit(engine.throttler, planned)

    def apply(ctx):
        # in key order: concurrent batches then take their rows in one order
        # (on PostgreSQL, two batches of the same items in opposite orders
        # deadlocked, each deadlock broken only after a second)
        return [(entry, entry.plan.apply(ctx, engine))
                for entry in sorted(admitted, key=lambda entry: entry.plan.key)]

    capacity: dict[str, tuple[float, dict[str, float]]] = {}
    metrics: dict[str, list[dict]] = {}
    for entry, outcome in store.write(apply):
        table = entry.plan.table
        engine.throttler.spend(table, "write", outcome.units - entry.provisional_units,
                               outcome.index_units)
        total, indexes = capacity.get(entry.name, (0.0, {}))
        for index, used in outcome.index_units.items():
            indexes[index] = indexes.get(index, 0.0) + used
        capacity[entry.name] = (total + outcome.units, indexes)
        collection = collection_metrics(request, table, outcome)
        if collection is not None:
            metrics.setdefault(entry.name, []).append(collection)
    response: dict = {"UnprocessedItems": unprocessed}
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        response["ConsumedCapacity"] = [
            consumed_capacity(mode, name, tables[name], *capacity.get(name, (0.0, {})))
            for name in request_items]
    if request.get("ReturnItemCollectionMetrics") == "SIZE":
        response["ItemCollectionMetrics"] = metrics
    return response


def check_write_request(write: dict) -> None:
    """Attribute-value checks on one WriteRequest, before any table lookup.
    Exactly one of PutRequest and DeleteRequest (null ones absent, unknown
    members ignored), else DynamoDB Local's InputConverter's answer."""
    put, delete = write.get("PutRequest"), write.get("DeleteRequest")
    if (put is None) == (delete is None):
        raise validation_error("Supplied AttributeValue has more than one datatypes set, "
                               "must contain exactly one of the supported datatypes")
    if put is not None:
        validate_written_item(put["Item"])
    else:
        validate_item(delete["Key"])


def plan_writes(request_items: dict, tables: dict) -> list[BatchEntry]:
    planned, seen = [], set()
    for name, writes in request_items.items():
        for write in writes:
            planned.append(plan_write(name, tables[name], write))
            if planned[-1].plan.key in seen:
                raise validation_error("Provided list of item keys contains duplicates")
            seen.add(planned[-1].plan.key)
    return planned


def plan_write(name: str, table, write: dict) -> BatchEntry:
    if write.get("PutRequest") is not None:
        item = write["PutRequest"]["Item"]
        key = {key_name: item.get(key_name) for key_name in table.key_names}
        if any(value is None for value in key.values()):
            raise validation_error(KEY_MISMATCH)
        validate_key(key, table.key_attributes)
        validate_index_keys(item, table.index_key_schemas, table.attribute_types)
        size = check_item_size(item)
        return BatchEntry(name, write, PlannedWrite(table, key_of(table, item),
                                                    lambda old: (item, size)), size)
    key = write["DeleteRequest"]["Key"]
    validate_key(key, table.key_attributes)
    return BatchEntry(name, write, PlannedWrite(table, key_of(table, key),
                                                lambda old: (None, 0)), 0)


def admit(throttler, planned: list[BatchEntry]) -> tuple[list[BatchEntry], dict]:
    """Split writes into those the buckets admit now and UnprocessedItems."""
    admitted, unprocessed = [], {}
    for entry in planned:
        table = entry.plan.table
        if throttler.is_admitted(table, "write", table.global_index_names):
            throttler.spend(table, "write", entry.provisional_units)
            admitted.append(entry)
        else:
            unprocessed.setdefault(entry.name, []).append(entry.request)
    return admitted, unprocessed

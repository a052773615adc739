"""BatchWriteItem: up to 25 puts and deletes across tables.

Every request is validated before anything is written; the admitted writes
then commit together (DynamoDB does not promise atomicity here; one group
commit is simply the cheapest way to apply them). Requests that throttling
refuses come back as UnprocessedItems, not as an error.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..capacity import consumed_capacity, write_units
from ..errors import validation_error
from ..items import key_of
from ..model.values import (
    KEY_MISMATCH,
    check_item_size,
    validate_index_keys,
    validate_item,
    validate_key,
)

NAME = "BatchWriteItem"
READ_ONLY = False


@dataclass
class PlannedWrite:
    name: str        # the table name as the request gave it
    request: dict    # the WriteRequest, returned as-is when unprocessed
    table: object
    key: bytes
    item: dict | None  # None for a delete
    size: int

    @property
    def provisional_units(self) -> float:
        """Units debited at admission, before the old item's size is known."""
        return write_units(self.size)


def run(engine, request: dict) -> dict:
    request_items = request["RequestItems"]
    for writes in request_items.values():
        for write in writes:
            check_write_request(write)
    store, catalog = engine.store, engine.catalog
    with store.read() as txn:
        tables = {name: catalog.active(txn, name) for name in request_items}
    planned = plan_writes(request_items, tables)
    admitted, unprocessed = admit(engine.throttler, planned)

    def apply(ctx):
        results = []
        for write in admitted:
            ctx.index_units = {}
            old = engine.items.write(ctx, catalog.confirm(ctx, write.table), write.key,
                                     write.item, write.size)
            results.append((write, write_units(max(write.size, old.size if old else 0)),
                            ctx.index_units))
        return results

    capacity: dict[str, tuple[float, dict[str, float]]] = {}
    for write, units, index_units in store.write(apply):
        engine.throttler.spend(write.table, "write", units - write.provisional_units, index_units)
        total, indexes = capacity.get(write.name, (0.0, {}))
        for index, used in index_units.items():
            indexes[index] = indexes.get(index, 0.0) + used
        capacity[write.name] = (total + units, indexes)
    response: dict = {"UnprocessedItems": unprocessed}
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        response["ConsumedCapacity"] = [
            consumed_capacity(mode, name, tables[name], *capacity.get(name, (0.0, {})))
            for name in request_items]
    return response


def check_write_request(write: dict) -> None:
    """Attribute-value checks on one WriteRequest, before any table lookup."""
    if not write:
        raise validation_error("Supplied AttributeValue has more than one datatypes set, "
                               "must contain exactly one of the supported datatypes")
    if "PutRequest" in write:
        check_item_size(validate_item(write["PutRequest"]["Item"]))
    elif "DeleteRequest" in write:
        validate_item(write["DeleteRequest"]["Key"])


def plan_writes(request_items: dict, tables: dict) -> list[PlannedWrite]:
    planned, seen = [], set()
    for name, writes in request_items.items():
        for write in writes:
            planned.append(plan_write(name, tables[name], write))
            if planned[-1].key in seen:
                raise validation_error("Provided list of item keys contains duplicates")
            seen.add(planned[-1].key)
    return planned


def plan_write(name: str, table, write: dict) -> PlannedWrite:
    if "PutRequest" in write:
        item = write["PutRequest"]["Item"]
        key = {key_name: item.get(key_name) for key_name in table.key_names}
        if any(value is None for value in key.values()):
            raise validation_error(KEY_MISMATCH)
        validate_key(key, table.key_schema, table.attribute_types)
        validate_index_keys(item, table.index_key_schemas, table.attribute_types)
        return PlannedWrite(name, write, table, key_of(table, item), item, check_item_size(item))
    key = write["DeleteRequest"]["Key"]
    validate_key(key, table.key_schema, table.attribute_types)
    return PlannedWrite(name, write, table, key_of(table, key), None, 0)


def admit(throttler, planned: list[PlannedWrite]) -> tuple[list[PlannedWrite], dict]:
    """Split writes into those the buckets admit now and UnprocessedItems."""
    admitted, unprocessed = [], {}
    for write in planned:
        if throttler.is_admitted(write.table, "write", write.table.global_index_names):
            throttler.spend(write.table, "write", write.provisional_units)
            admitted.append(write)
        else:
            unprocessed.setdefault(write.name, []).append(write.request)
    return admitted, unprocessed

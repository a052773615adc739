"""BatchWriteItem: up to 25 puts and deletes across tables.

Every request is validated before anything is written; the writes then
commit together (DynamoDB does not promise atomicity here; one group commit
is simply the cheapest way to apply them). UnprocessedItems is where
requests that cannot be applied now will go once throttling exists.
"""
from __future__ import annotations

from ..capacity import consumed_capacity, write_units
from ..errors import validation_error
from ..items import key_of
from ..model.values import (KEY_MISMATCH, check_item_size, validate_index_keys, validate_item,
                            validate_key)

NAME = "BatchWriteItem"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    request_items = request["RequestItems"]
    for writes in request_items.values():
        for write in writes:
            check_write_request(write)
    store, catalog = engine.store, engine.catalog
    with store.read() as txn:
        tables = {name: catalog.active(txn, name) for name in request_items}
    planned = []  # (table, key bytes, item or None, size)
    seen: set[bytes] = set()
    for name, writes in request_items.items():
        table = tables[name]
        for write in writes:
            planned.append(plan_write(table, write))
            if planned[-1][1] in seen:
                raise validation_error("Provided list of item keys contains duplicates")
            seen.add(planned[-1][1])

    def apply(ctx):
        units: dict[str, float] = {}
        for table, key, item, size in planned:
            old = engine.items.write(ctx, catalog.confirm(ctx, table), key, item, size)
            charged = write_units(max(size, old.size if old else 0))
            units[table.name] = units.get(table.name, 0.0) + charged
        return units

    units = store.write(apply)
    response: dict = {"UnprocessedItems": {}}
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        response["ConsumedCapacity"] = [consumed_capacity(mode, name, units[tables[name].name])
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


def plan_write(table, write: dict) -> tuple:
    """(table, key bytes, new item or None, new size) for one WriteRequest."""
    if "PutRequest" in write:
        item = write["PutRequest"]["Item"]
        key = {name: item.get(name) for name in table.key_names}
        if any(value is None for value in key.values()):
            raise validation_error(KEY_MISMATCH)
        validate_key(key, table.key_schema, table.attribute_types)
        validate_index_keys(item, table.index_key_schemas, table.attribute_types)
        return table, key_of(table, item), item, check_item_size(item)
    key = write["DeleteRequest"]["Key"]
    validate_key(key, table.key_schema, table.attribute_types)
    return table, key_of(table, key), None, 0

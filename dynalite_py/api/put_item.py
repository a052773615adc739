"""PutItem: create or replace one item."""
from __future__ import annotations

from ..capacity import with_capacity, write_units
from ..items import key_of
from ..model.values import (
    check_item_size,
    validate_index_keys,
    validate_item,
    validate_item_key,
)
from ..projection import check_expression_params
from .delete_item import check_return_values, reject_conditions

NAME = "PutItem"
READ_ONLY = False


def run(engine, request: dict) -> dict:
    check_expression_params(request, ["ConditionExpression"], ["Expected"])
    item = validate_item(request["Item"])
    reject_conditions(request)
    check_return_values(request)
    size = check_item_size(item)
    store, catalog = engine.store, engine.catalog
    with store.read() as txn:
        table = catalog.active(txn, request["TableName"])
    validate_item_key(item, table.key_schema, table.attribute_types)
    validate_index_keys(item, table.index_key_schemas, table.attribute_types)
    key = key_of(table, item)
    engine.throttler.admit(table, "write", table.global_index_names)

    def put(ctx):
        old = engine.items.write(ctx, catalog.confirm(ctx, table), key, item, size)
        return old, ctx.index_units

    old, index_units = store.write(put)
    response = {}
    if old is not None and request.get("ReturnValues") == "ALL_OLD":
        response["Attributes"] = old.item
    units = write_units(max(size, old.size if old else 0))
    engine.throttler.spend(table, "write", units, index_units)
    return with_capacity(response, request, table, units, index_units)
